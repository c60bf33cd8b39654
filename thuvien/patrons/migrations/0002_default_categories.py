from django.db import migrations

CATEGORIES = [
    ("child", "Thiếu nhi", 12, False),
    ("pupil", "Học sinh", 12, False),
    ("student", "Sinh viên", 12, True),
    ("adult", "Người lớn", 24, True),
    ("senior", "Người cao tuổi", 36, True),
    ("staff", "Cán bộ, viên chức", 24, True),
    ("disabled", "Người khuyết tật", 36, True),
    ("institution", "Cơ quan, tổ chức", 12, False),
]


def add(apps, schema_editor):
    ReaderCategory = apps.get_model("patrons", "ReaderCategory")
    for code, name, months, self_registration in CATEGORIES:
        ReaderCategory.objects.get_or_create(
            code=code, defaults={"name": name, "card_months": months, "self_registration": self_registration}
        )


class Migration(migrations.Migration):
    dependencies = [("patrons", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
