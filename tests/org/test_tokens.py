"""API tokens: the key is shown once, only its hash is kept, and a revoked token stops working."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from wenming.cli import main
from wenming.org import tokens
from wenming.org.models import ApiToken
from wenming.org.tokens import authenticate_token, create_token, revoke, tokens_of

pytestmark = pytest.mark.usefixtures("english")


def stored_values(token: ApiToken) -> list[str]:
    return [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]


def test_a_new_token_returns_its_key_and_stores_only_its_hash(city):
    user = city.users["street_handler"]
    key = create_token(user, "巡查 app")
    assert key.startswith("wm_") and len(key) >= 40
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8] and token.name == "巡查 app"
    assert not any(key in value for value in stored_values(token))
    assert token.revoked_at is None and token.last_used_at is None


def test_every_token_gets_a_different_key(city):
    keys = {create_token(city.users["citizen"], "phone") for _ in range(5)}
    assert len(keys) == 5


def test_an_inactive_account_cannot_get_a_token(city):
    user = city.users["volunteer"]
    user.is_active = False
    user.save()
    with pytest.raises(tokens.NotAllowed):
        create_token(user, "x")
    assert not ApiToken.objects.exists()


def test_the_key_authenticates_its_user_and_nothing_else_does(city):
    user = city.users["grid_worker"]
    key = create_token(user, "patrol")
    assert authenticate_token(key) == user
    assert authenticate_token(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert authenticate_token(key[:8]) is None
    assert authenticate_token(ApiToken.objects.get().key_hash) is None  # the stored hash is not a key
    assert authenticate_token("") is None and authenticate_token(None) is None


def test_a_revoked_token_or_an_inactive_user_no_longer_authenticates(city):
    user = city.users["department_handler"]
    revoked, kept = create_token(user, "old"), create_token(user, "new")
    revoke(revoked[:8], user)
    assert authenticate_token(revoked) is None
    assert authenticate_token(kept) == user
    user.is_active = False
    user.save()
    assert authenticate_token(kept) is None


def test_last_use_is_recorded_at_most_once_a_minute(city):
    key = create_token(city.users["inspector"], "app")
    start = timezone.now()
    authenticate_token(key, now=start)
    assert ApiToken.objects.get().last_used_at == start
    authenticate_token(key, now=start + timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == start
    later = start + timedelta(seconds=61)
    authenticate_token(key, now=later)
    assert ApiToken.objects.get().last_used_at == later


def test_the_owner_may_revoke_a_token_but_another_user_may_not(city):
    owner, other = city.users["street_handler"], city.users["department_handler"]
    key = create_token(owner, "app")
    with pytest.raises(tokens.NotAllowed):
        revoke(key[:8], other)
    assert ApiToken.objects.get().revoked_at is None
    token = revoke(key[:8], owner)
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "revoker, allowed",
    [
        ("campaign_admin", True),  # the city's campaign office
        ("district_leader", False),  # a district leader is not
        ("inspector", False),  # same office, other role
        ("citizen", False),
    ],
)
def test_only_the_citys_campaign_office_admins_may_revoke_others_tokens(city, revoker, allowed):
    key = create_token(city.users["street_handler"], "app")
    if allowed:
        revoke(key[:8], city.users[revoker])
        assert ApiToken.objects.get().revoked_at is not None
    else:
        with pytest.raises(tokens.NotAllowed):
            revoke(key[:8], city.users[revoker])
        assert ApiToken.objects.get().revoked_at is None


def test_a_superuser_may_revoke_any_token_by_its_id(city):
    root = get_user_model().objects.create_superuser("root", "", "a-strong-pass-2026")
    create_token(city.users["citizen"], "app")
    token = ApiToken.objects.get()
    assert revoke(token.pk, root).revoked_at is not None


def test_revoking_twice_keeps_the_first_revocation_time(city):
    user = city.users["citizen"]
    key = create_token(user, "app")
    first = revoke(key, user, now=timezone.now() - timedelta(days=1)).revoked_at
    assert revoke(key[:8], user).revoked_at == first


def test_an_unknown_token_cannot_be_revoked(city):
    with pytest.raises(tokens.UnknownToken):
        revoke("wm_zzzzz", city.users["campaign_admin"])
    with pytest.raises(tokens.UnknownToken):
        revoke("nonsense", city.users["campaign_admin"])


def test_tokens_of_a_user_lists_theirs_newest_first(city):
    user = city.users["inspector"]
    create_token(user, "first")
    create_token(user, "second")
    create_token(city.users["citizen"], "not hers")
    assert [t.name for t in tokens_of(user)] == ["second", "first"]


# ---------------------------------------------------------------------------
# The `wenming token` command


def test_token_create_prints_the_key_once_with_a_warning(city, capsys):
    call_command("token", "create", "street_handler", "--name", "巡查 app")
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("wm_") and out.count(key) == 1
    assert key not in err and "only time" in err
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (city.users["street_handler"], "巡查 app")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert authenticate_token(key) == city.users["street_handler"]


def test_token_list_shows_prefixes_and_never_the_keys(city, capsys):
    key = create_token(city.users["street_handler"], "巡查 app")
    create_token(city.users["citizen"], "phone")
    call_command("token", "list")
    out = capsys.readouterr().out
    assert key[:8] in out and key not in out
    assert "巡查 app" in out and "street_handler" in out and "citizen" in out
    call_command("token", "list", "citizen")
    out = capsys.readouterr().out
    assert "phone" in out and "street_handler" not in out


def test_token_revoke_revokes_by_prefix(city, capsys):
    key = create_token(city.users["street_handler"], "app")
    call_command("token", "revoke", key[:8])
    assert "Revoked" in capsys.readouterr().out
    assert authenticate_token(key) is None
    revoked_at = timezone.localtime(ApiToken.objects.get().revoked_at).strftime("%Y-%m-%d %H:%M")
    call_command("token", "list")
    [header, row] = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "revoked" and row.endswith(revoked_at)


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "nobody"], "No user"),
        (["list", "nobody"], "No user"),
        (["revoke", "wm_zzzzz"], "No API token"),
    ],
)
def test_the_token_command_names_an_unknown_user_or_prefix(city, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("token", *args)
    assert not ApiToken.objects.exists()


def test_the_token_command_is_listed_with_its_help_line(capsys):
    main(["--help"])
    line = next(row for row in capsys.readouterr().out.splitlines() if row.strip().startswith("token "))
    assert line.split(None, 1)[1].strip() == "Create, list and revoke API tokens for apps."
