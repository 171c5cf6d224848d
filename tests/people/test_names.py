"""The Latin form printed on a certificate's English half (``latin_form``): national rules
per script, case kept, Latin names left alone."""
from __future__ import annotations

import pytest

from registry.people.names import is_latin, latin_form, printed_latin_name


@pytest.mark.parametrize("name,language,latin", [
    # Uzbek Cyrillic to the Uzbek Latin alphabet (its own letters pick the rules).
    ("Ғуломов Ўткир Ҳамидович", "ru", "Gʻulomov Oʻtkir Hamidovich"),
    ("Қаҳҳор Хасанов", None, "Qahhor Xasanov"),
    ("Евгений Цой", "uz_Cyrl", "Yevgeniy Tsoy"),
    # Mongolian Cyrillic (ө, ү).
    ("Өлзийбаярын Батболд", None, "Ölziibayaryn Batbold"),
    ("Билгүүн Хулан", "mn", "Bilgüün Khulan"),
    # Russian by the passport rules (ICAO 9303).
    ("Щербакова Юлия Сергеевна", "ru", "Shcherbakova Iuliia Sergeevna"),
    ("Абдуллаев Бобур Шавкатович", None, "Abdullaev Bobur Shavkatovich"),
    # Capitals stay capitals: a word in capitals, an initial.
    ("ШУХРАТ Ш. Каримов", "ru", "SHUKHRAT Sh. Karimov"),
])
def test_a_cyrillic_name_is_written_by_the_rules_of_its_script(name, language, latin):
    assert latin_form(name, language) == latin
    assert is_latin(latin)


@pytest.mark.parametrize("name", ["Nguyễn Thị Thắm Phượng", "Gʻulomov Oʻtkir", "Jane Smith"])
def test_a_name_in_latin_letters_is_printed_as_written(name):
    assert is_latin(name)
    assert latin_form(name, "ru") == name


def test_a_recorded_latin_form_wins_over_the_derived_one():
    assert printed_latin_name("Ғуломов Ўткир", "Gulomov Utkir") == "Gulomov Utkir"
    assert printed_latin_name("Ғуломов Ўткир", None) == "Gʻulomov Oʻtkir"
    assert printed_latin_name("Ғуломов Ўткир", "  ") == "Gʻulomov Oʻtkir"
