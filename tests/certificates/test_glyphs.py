"""Characters no font on the certificate can print are found before anything is rendered."""
from registry.certificates.glyphs import covered_characters, missing_glyphs
from registry.certificates.pdf import Signatory
from tests.certificates.test_pdf import printed


def test_every_script_of_our_users_is_covered():
    text = ("Ўў Ққ Ғғ Ҳҳ Oʻ Gʻ oʻ gʻ Өө Үү ắ ề ỗ ự ơ ư đ Đ Ёё Щщ Ъъ «» – — № ·")
    assert missing_glyphs([printed(holder_name=text, holder_latin_name=text)]) == []
    assert 0x02BB in covered_characters()


def test_a_character_no_font_has_is_named_with_person_field_and_code_point():
    missing = missing_glyphs([
        printed(holder_name="Anvar Karimov"),
        printed(holder_name="Nguyễn 𝄞 Lan", course_title="ISO 9001 中"),
    ])
    assert [(m.who, m.field, m.character, m.codepoint) for m in missing] == [
        ("Nguyễn 𝄞 Lan", "holder_name", "𝄞", "U+1D11E"),
        ("Nguyễn 𝄞 Lan", "course_title", "中", "U+4E2D"),
    ]


def test_signatories_are_checked_and_spaces_or_joiners_need_no_glyph():
    missing = missing_glyphs([printed(holder_name="Anvar\u00a0Karimov\u200d",
                                      signatories=(Signatory("Дорж", "\ue000"),))])
    assert [(m.field, m.codepoint) for m in missing] == [("signatories", "U+E000")]
