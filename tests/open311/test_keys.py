"""API keys of client applications: `wenming open311 key …`, the admin, revocation."""

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command

from tests.open311.conftest import Open311, report
from wenming.open311 import keys
from wenming.open311.models import ClientApp

pytestmark = pytest.mark.django_db


def test_the_command_creates_lists_and_revokes_keys(world, capsys):
    call_command("open311", "key", "create", "12345热线对接", "--contact", "热线中心", "--per-minute", "30")
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("o311_") and len(key) > 40
    assert "only time" in err
    app = ClientApp.objects.get(name="12345热线对接")
    assert app.prefix == key[:12] and app.per_minute == 30 and app.contact == "热线中心"
    assert key not in str(ClientApp.objects.values_list()) and app.key_hash != key  # only the hash is kept
    assert report(Open311(key)).status_code == 201

    call_command("open311", "key", "list")
    listing = capsys.readouterr().out
    assert app.prefix in listing and "12345热线对接" in listing and key not in listing

    call_command("open311", "key", "revoke", app.prefix)
    assert "Revoked" in capsys.readouterr().out
    assert report(Open311(key)).status_code == 403
    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", "o311_unknown")


def test_the_command_is_listed_by_wenming_help(capsys):
    from wenming.cli import main

    main(["--help"])
    line = next(row for row in capsys.readouterr().out.splitlines() if row.strip().startswith("open311 "))
    assert "Manage Open311 client applications (API keys)." in line


def test_a_key_can_be_found_by_id_prefix_or_whole_key(world):
    assert keys.find(world.app.pk) == world.app
    assert keys.find(world.app.prefix) == world.app
    assert keys.find(world.key) == world.app
    with pytest.raises(keys.KeyProblem):
        keys.find("nothing")


def test_an_inactive_application_is_refused(world):
    ClientApp.objects.filter(pk=world.app.pk).update(is_active=False)
    assert keys.authenticate(world.key) is None


def test_last_use_is_recorded(world):
    assert world.app.last_used_at is None
    report(Open311(world.key))
    world.app.refresh_from_db()
    assert world.app.last_used_at is not None


def test_the_campaign_office_creates_an_app_in_the_admin_and_sees_the_key_once(world, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "pass-word-2026")
    client.force_login(admin)
    response = client.post(
        "/admin/open311/clientapp/add/", {"name": "文明随手拍", "contact": "宣传部", "per_minute": "20"}
    )
    assert response.status_code == 302
    app = ClientApp.objects.get(name="文明随手拍")
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.WARNING]
    key = next(word for word in message.replace("，", " ").split() if word.startswith("o311_"))
    assert keys.authenticate(key) == app
    # Once shown, the key never appears again, nor its hash.
    shown = client.get(response.url).content.decode()
    assert key in shown
    page = client.get(f"/admin/open311/clientapp/{app.pk}/change/").content.decode()
    assert key not in page and app.key_hash not in page
    # Revoking from the list.
    client.post("/admin/open311/clientapp/", {"action": "revoke", "_selected_action": [app.pk]})
    assert keys.authenticate(key) is None


def test_the_campaign_office_group_may_manage_client_apps(world):
    """The office's reference-data group gets this app's permissions, also after an upgrade."""
    from django.contrib.auth.models import Group

    from wenming.org.services import REFERENCE_EDITORS
    from wenming.org.signals import keep_reference_permissions

    group = Group.objects.get(name=REFERENCE_EDITORS)
    group.permissions.clear()  # as before this app existed
    keep_reference_permissions(sender=None)  # what `wenming migrate` does
    codenames = set(group.permissions.filter(content_type__app_label="open311").values_list("codename", flat=True))
    assert {"add_clientapp", "change_clientapp", "view_clientapp", "change_serviceattribute"} <= codenames
    admin_user = world.users["campaign_admin"]
    admin_user = get_user_model().objects.get(pk=admin_user.pk)  # fresh permission cache
    assert admin_user.has_perm("open311.add_clientapp")


def test_service_attributes_are_validated_in_the_admin(world):
    from django.core.exceptions import ValidationError

    from tests.open311.conftest import category
    from wenming.open311.models import ServiceAttribute

    bad = ServiceAttribute(
        category=category("E0502"),
        code="bad code",
        datatype="singlevaluelist",
        description="颜色",
        values=[{"key": "r"}],
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert {"code", "values"} <= set(error.value.message_dict)
    major = ServiceAttribute(category=category("E0502").parent, code="x", description="x")
    with pytest.raises(ValidationError):
        major.full_clean()
