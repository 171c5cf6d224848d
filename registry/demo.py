"""Demo data: a realistic, small picture of Uzbekistan's and Mongolia's ISO 9001 programmes.

Used by ``flask demo-data`` (and so by ``make run``). Names are written as their owners write
them: Uzbek Cyrillic and Latin, Mongolian Cyrillic, Vietnamese.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from registry.auth.services import create_user
from registry.catalog.models import Course, Region, Sector
from registry.catalog.regions_data import load_regions
from registry.certificates.models import IssuerSettings
from registry.certificates.services import issue_for_seminar
from registry.extensions import db
from registry.catalog.models import Organization
from registry.people.models import Person
from registry.people.names import clean_name, search_key
from registry.seminars.models import Attendance, Registration, Seminar, SeminarDay

DEMO_LOGINS = [
    ("admin@registry.test", "admin-demo-2026", "admin"),
    ("official@registry.test", "official-demo-2026", "official"),
    ("trainer@registry.test", "trainer-demo-2026", "trainer"),
    ("fergana@registry.test", "fergana-demo-2026", "official"),
]
# A regional office's login: the Fergana branch sees only Fargʻona viloyati and its districts.
DEMO_SCOPES = {"fergana@registry.test": "UZ-FA"}
DEMO_NAMES = {"admin@registry.test": "Registry Administrator",
              "official@registry.test": "Malika Rahimova",
              "trainer@registry.test": "Anvar Karimov",
              "fergana@registry.test": "Dilnoza Yoʻldosheva"}

# Districts under the reference regions (``flask catalog load-regions``), by ISO code.
UZBEKISTAN = {
    "UZ-QR": ["Nukus", "Chimbay", "Beruniy"],
    "UZ-AN": ["Asaka", "Baliqchi", "Shahrixon"],
    "UZ-BU": ["Gʻijduvon", "Kogon", "Romitan"],
    "UZ-FA": ["Margʻilon", "Quva", "Rishton"],
    "UZ-JI": ["Zomin", "Gʻallaorol"],
    "UZ-QA": ["Shahrisabz", "Qarshi", "Kitob"],
    "UZ-XO": ["Urganch", "Xiva", "Xonqa"],
    "UZ-NG": ["Chust", "Kosonsoy", "Toʻraqoʻrgʻon"],
    "UZ-NW": ["Karmana", "Nurota"],
    "UZ-SA": ["Urgut", "Kattaqoʻrgʻon", "Pastdargʻom"],
    "UZ-SU": ["Termiz", "Denov", "Sherobod"],
    "UZ-SI": ["Guliston", "Boyovut"],
    "UZ-TO": ["Chirchiq", "Olmaliq", "Zangiota"],
    "UZ-TK": ["Chilonzor", "Yunusobod", "Mirzo Ulugʻbek", "Yakkasaroy"],
}

# Khoroos under six of the capital's districts (the districts come with the reference data).
ULAANBAATAR_DISTRICTS = {
    "Баянгол дүүрэг": 4, "Баянзүрх дүүрэг": 4, "Чингэлтэй дүүрэг": 3, "Хан-Уул дүүрэг": 3,
    "Сонгинохайрхан дүүрэг": 4, "Сүхбаатар дүүрэг": 3,
}

SECTORS = [
    ("AGRI-FOOD", "Agriculture and food"), ("CONSTR-MAT", "Construction materials"),
    ("TEXTILES", "Textiles"), ("CHEMICALS", "Chemicals"),
    ("FURNITURE", "Furniture and woodworking"), ("SILK", "Silk"),
    ("ELECTRICAL", "Electrical engineering"), ("LEATHER", "Leather and footwear"),
    ("MACHINERY", "Machinery"), ("PHARMA", "Pharmaceuticals"), ("POULTRY", "Poultry"),
    ("PUBLIC-ADMIN", "Public administration"),
]
SECTOR_NAMES = {
    "TEXTILES": {"ru": "Текстильная промышленность", "uz": "Toʻqimachilik",
                 "uz_Cyrl": "Тўқимачилик", "mn": "Нэхмэлийн үйлдвэрлэл", "vi": "Dệt may"},
    "SILK": {"ru": "Шелководство", "uz": "Ipakchilik", "uz_Cyrl": "Ипакчилик",
             "mn": "Торгоны үйлдвэрлэл", "vi": "Tơ lụa"},
    "PUBLIC-ADMIN": {"ru": "Государственное управление", "uz": "Davlat boshqaruvi",
                     "uz_Cyrl": "Давлат бошқаруви", "mn": "Төрийн удирдлага",
                     "vi": "Quản lý nhà nước"},
}

PEOPLE_UZ = [
    ("Ўктам Қодиров", "O'ktam Qodirov", "Quality manager"),
    ("Гулнора Ҳасанова", "Gulnora Hasanova", "Head of production"),
    ("Шаҳноза Ғуломова", "Shahnoza G'ulomova", "Chief technologist"),
    ("Oʻlmas Gʻaniyev", None, "Quality engineer"),
    ("Dilfuza Toʻxtayeva", None, "Laboratory head"),
    ("Бахтиёр Юсупов", "Baxtiyor Yusupov", "Deputy director"),
    ("Нодира Абдуллаева", "Nodira Abdullayeva", "Standardisation specialist"),
    ("Жасур Эргашев", "Jasur Ergashev", "Export manager"),
]
PEOPLE_MN = [
    ("Өлзийбаяр Батболд", "Olziibayar Batbold", "Khoroo governor's officer"),
    ("Үүрцайх Гантулга", "Uurtsaikh Gantulga", "Social worker"),
    ("Мөнхзул Дорж", "Munkhzul Dorj", "Khoroo secretary"),
    ("Түвшинжаргал Сүхээ", "Tuvshinjargal Sukhee", "Registration officer"),
]
PEOPLE_VN = [
    ("Nguyễn Thị Thắm", "Nguyen Thi Tham", "Quality assurance lead"),
    ("Trần Văn Đức", "Tran Van Duc", "Production manager"),
    ("Lê Thị Hồng Nhung", "Le Thi Hong Nhung", "Export documentation officer"),
]


def _region(country, name, kind, parent=None):
    region = Region(country=country, name=clean_name(name), kind=kind, parent=parent)
    db.session.add(region)
    return region


def _person(full_name, latin_name, position, organization, region):
    full_name = clean_name(full_name)
    person = Person(full_name=full_name, latin_name=clean_name(latin_name) if latin_name else None,
                    search_name=search_key(full_name),
                    position=position, organization=organization, region=region)
    db.session.add(person)
    return person


def _seminar(course, title, start, *, region, venue, language, capacity, status, trainer,
             creator):
    days = [start + timedelta(days=offset) for offset in range(course.days)]
    seminar = Seminar(course=course, title=title, start_date=days[0], end_date=days[-1],
                      venue=venue, region=region, language=language, capacity=capacity,
                      status=status, created_by_id=creator.id)
    seminar.trainers.append(trainer)
    if status in ("in_progress", "completed"):
        seminar.record_teaching()
    seminar.days = [SeminarDay(day=day) for day in days]
    db.session.add(seminar)
    return seminar


def load_demo_data() -> dict:
    """Add the demo set to the session (the caller commits); returns what was added."""
    admin = None
    users = {}
    for email, password, role in DEMO_LOGINS:
        if email not in DEMO_SCOPES:
            users[role] = create_user(email=email, name=DEMO_NAMES[email], role=role,
                                      password=password, created_by=admin)
            admin = admin or users[role]

    # The reference regions in their own languages (Fargʻona viloyati / Фарғона вилояти,
    # Баянгол дүүрэг, Hà Nội), loaded as `flask catalog load-regions` loads them.
    for country in ("UZ", "MN", "VN"):
        load_regions(country, actor=admin)
    regions = {region.code: region for region in db.session.scalars(
        select(Region).where(Region.code.is_not(None)))}
    for email, password, role in DEMO_LOGINS:
        if email in DEMO_SCOPES:
            users[email] = create_user(email=email, name=DEMO_NAMES[email], role=role,
                                       password=password, created_by=admin,
                                       region_id=regions[DEMO_SCOPES[email]].id)
    for code, districts in UZBEKISTAN.items():
        for district in districts:
            regions[district] = _region("UZ", district, "district", regions[code])
    for district in regions["MN-1"].children:
        regions[district.name] = district
    for district, khoroos in ULAANBAATAR_DISTRICTS.items():
        node = regions[district]
        for number in range(1, khoroos + 1):
            regions[f"{district} {number}"] = _region("MN", f"{number}-р хороо", "khoroo", node)
    regions["Cầu Giấy"] = _region("VN", "Cầu Giấy", "district", regions["VN-HN"])

    sectors = {code: Sector(code=code, name=name) for code, name in SECTORS}
    db.session.add_all(sectors.values())

    auditor = Course(code="ISO9001-IA", title="ISO 9001:2015 Internal Auditor",
                     standards="ISO 9001:2015, ISO 19011:2018",
                     description="Planning and conducting internal audits of a quality "
                                 "management system; audit evidence, findings and reports.",
                     certificate_kind="internal_auditor", hours=24, days=3, pass_mark=70,
                     min_attendance_percent=100, validity_months=36, number_prefix="IA",
                     languages="seminar,en")
    exporters = Course(code="ISO9001-INTRO", title="Introduction to ISO 9001 for exporters",
                       standards="ISO 9001:2015",
                       description="What ISO 9001 asks of an exporting enterprise and how "
                                   "certification opens markets.",
                       certificate_kind="attendance", hours=8, days=1, pass_mark=None,
                       min_attendance_percent=100, validity_months=None, number_prefix="AT",
                       languages="seminar,en")
    # Each course's title in every language its certificates print (the two halves).
    auditor.set_values("title", {
        "ru": "Внутренний аудитор ISO 9001:2015", "uz": "ISO 9001:2015 boʻyicha ichki auditor",
        "uz_Cyrl": "ISO 9001:2015 бўйича ички аудитор", "mn": "ISO 9001:2015 дотоод аудитор",
        "vi": "Đánh giá viên nội bộ ISO 9001:2015"})
    exporters.set_values("title", {
        "ru": "Введение в ISO 9001 для экспортёров",
        "uz": "Eksportchilar uchun ISO 9001 ga kirish",
        "uz_Cyrl": "Экспортчилар учун ISO 9001 га кириш",
        "mn": "Экспортлогчдод зориулсан ISO 9001-ийн танилцуулга",
        "vi": "Giới thiệu ISO 9001 cho doanh nghiệp xuất khẩu"})
    for code, names in SECTOR_NAMES.items():
        sectors[code].set_values("name", names)
    db.session.add_all([auditor, exporters])

    organizations = [
        Organization(name="“Andijon Tekstil” MChJ", kind="enterprise",
                     sector=sectors["TEXTILES"], region=regions["Asaka"]),
        Organization(name="“Margʻilon Ipagi” AJ", kind="enterprise", sector=sectors["SILK"],
                     region=regions["Margʻilon"]),
        Organization(name="“Qizilqum Sement” AJ", kind="enterprise",
                     sector=sectors["CONSTR-MAT"], region=regions["Karmana"]),
        Organization(name="Oʻzstandart agentligi", kind="agency",
                     sector=sectors["PUBLIC-ADMIN"], region=regions["Yunusobod"]),
        Organization(name="Баянзүрх дүүргийн Засаг даргын тамгын газар",
                     kind="local_administration", sector=sectors["PUBLIC-ADMIN"],
                     region=regions["Баянзүрх дүүрэг"]),
        Organization(name="Công ty TNHH Dệt may Hà Nội", kind="enterprise",
                     sector=sectors["TEXTILES"], region=regions["Cầu Giấy"]),
    ]
    db.session.add_all(organizations)

    people = [_person(*row, organizations[index % 3], organizations[index % 3].region)
              for index, row in enumerate(PEOPLE_UZ)]
    people_mn = [_person(*row, organizations[4], regions[f"Баянзүрх дүүрэг {index % 4 + 1}"])
                 for index, row in enumerate(PEOPLE_MN)]
    people_vn = [_person(*row, organizations[5], regions["Cầu Giấy"]) for row in PEOPLE_VN]
    db.session.flush()

    today = date.today()
    trainer, official = users["trainer"], users["official"]
    done = _seminar(auditor, "ISO 9001 internal auditors — Fergana valley", today - timedelta(40),
                    region=regions["UZ-FA"], venue="Fergana, Mustaqillik 12",
                    language="uz", capacity=20, status="completed", trainer=trainer,
                    creator=official)
    _seminar(exporters, "ISO 9001 for exporters — Tashkent", today + timedelta(14),
             region=regions["UZ-TK"], venue="Tashkent, Oʻzstandart, hall 2",
             language="ru", capacity=40, status="open", trainer=trainer, creator=official)
    khoroo = _seminar(auditor, "Дотоод аудитор — Баянзүрх дүүрэг", today + timedelta(30),
                      region=regions["Баянзүрх дүүрэг"], venue="Баянзүрх дүүргийн ЗДТГ",
                      language="mn", capacity=14, status="open", trainer=trainer,
                      creator=official)
    _seminar(exporters, "ISO 9001 cho doanh nghiệp xuất khẩu", today + timedelta(45),
             region=regions["VN-HN"], venue="Hà Nội", language="vi", capacity=30,
             status="draft", trainer=trainer, creator=official)
    db.session.flush()

    scores = [92, 85, 64, 78, 100, 71, 55, None]
    for person, score in zip(people, scores):
        registration = Registration(seminar=done, person=person, status="registered",
                                    exam_score=score)
        db.session.add(registration)
        done.seats_taken += 1
        for seminar_day in done.days:
            # One participant missed the last day: attendance below 100 % fails the course.
            present = not (score == 71 and seminar_day is done.days[-1])
            registration.attendance.append(Attendance(seminar_day=seminar_day, present=present))
    for person in people_mn:
        db.session.add(Registration(seminar=khoroo, person=person, status="registered"))
        khoroo.seats_taken += 1
    db.session.flush()

    # The completed seminar is certified by the official, who did not teach it.
    issuer = IssuerSettings(
        id=1, issuer_name="Oʻzbekiston texnik jihatdan tartibga solish agentligi (Oʻzstandart)",
        place_of_issue="Toshkent",
        signatories=[{"name": "Alisher Nazarov", "title": "Director General",
                      "titles": {"uz": "Bosh direktor", "ru": "Генеральный директор"}},
                     {"name": "Anvar Karimov", "title": "Lead trainer",
                      "titles": {"uz": "Yetakchi trener", "ru": "Ведущий тренер"}}])
    # Uzbek in both scripts: a half in Latin letters must not fall back to the Cyrillic one.
    issuer.set_values("issuer_name", {
        "uz": issuer.issuer_name,
        "en": "Uzbek Agency for Technical Regulation (Uzstandard)",
        "ru": "Узбекское агентство по техническому регулированию (Узстандарт)",
        "uz_Cyrl": "Ўзбекистон техник жиҳатдан тартибга солиш агентлиги (Ўзстандарт)"})
    issuer.set_values("place_of_issue", {"uz": "Toshkent", "en": "Tashkent", "ru": "Ташкент",
                                         "uz_Cyrl": "Тошкент"})
    db.session.add(issuer)
    db.session.flush()
    certificates = issue_for_seminar(done, issued_by=official, issued_on=today - timedelta(36))
    return {"users": len(users),
            "regions": db.session.scalar(select(func.count()).select_from(Region)),
            "sectors": len(sectors),
            "courses": 2, "organizations": len(organizations),
            "people": len(people) + len(people_mn) + len(people_vn), "seminars": 4,
            "certificates": len(certificates.issued)}
