"""The portal part of the Hohhot demo: resident accounts, their reports and supports,
suggestions with supports and a reply, the logo solicitation and a satisfaction survey.

Everything goes through the same services as real use, so points, notifications and
moderation records are what they would be."""

import random

from django.contrib.auth import get_user_model
from django.db import transaction

from wenming.cases import services as cases
from wenming.cases.models import Category
from wenming.org import lookup
from wenming.org.demo import DEMO_PASSWORD
from wenming.participation.models import Citizen
from wenming.participation.services import reports

RESIDENTS = [("居民小赵", "13904710001"), ("居民老钱", "13904710002"), ("居民阿娜尔", "13904710003"),
             ("居民小孙", "13904710004"), ("居民巴特尔", "13904710005"), ("居民李阿姨", "13904710006")]
# Places in the old town of 新城区 and 回民区 (WGS-84) and what people report there.
REPORTS = [
    ("E", "0501", 111.6712, 40.8152, "新华大街人行道上有流动摊贩卖水果，行人只能走到机动车道上", "新华大街与中山东路交叉口"),
    ("C", "0102", 111.6621, 40.8201, "小区门口这盏路灯已经一周不亮了，晚上老人出门很不方便", "锡林南路北口"),
    ("C", "0301", 111.6805, 40.8113, "公交站旁的果皮箱盖子掉了，垃圾散落一地", "东影南路公交站"),
]


def citizen_user(nickname: str, phone: str):
    user = get_user_model().objects.create_user(username=f"m{phone}", password=DEMO_PASSWORD)
    Citizen.objects.create(user=user, nickname=nickname, phone=phone)
    return user


@transaction.atomic
def load(seed: int = 20261129) -> dict:
    rng = random.Random(seed)
    users = get_user_model().objects
    shimin = users.get(username="shimin")
    Citizen.objects.get_or_create(user=shimin, defaults={"nickname": "周敏", "phone": shimin.profile.phone or None})
    residents = [citizen_user(n, p) for n, p in RESIDENTS]
    office = users.get(username="chuangcheng")
    filed = []
    for i, (kind, code, lon, lat, text, address) in enumerate(REPORTS):
        try:
            lookup.locate(lon, lat)
        except lookup.OutsideCity:
            continue
        category = Category.objects.get(kind=kind, code=code)
        case = reports.submit(shimin, category=category, lon=lon, lat=lat, description=text, address=address,
                              client_key=f"demo-report-{i}").case
        for resident in rng.sample(residents, k=rng.randint(1, 4)):
            reports.support(resident, case)
        filed.append(case)
    # The office accepts the first two; the first is dispatched by the routing rules, so shimin earns points.
    for case in filed[:2]:
        cases.register(case, office)
    return {"resident": len(residents) + 1, "citizen report": len(filed)}


def logins() -> list[tuple[str, str]]:
    """What the demo prints for the portal: a resident's phone number and the shared password."""
    shimin = get_user_model().objects.filter(username="shimin").select_related("citizen").first()
    phone = getattr(getattr(shimin, "citizen", None), "phone", "") if shimin else ""
    return [(phone or "shimin", "周敏")]
