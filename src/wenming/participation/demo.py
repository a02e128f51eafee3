"""The portal part of the Hohhot demo: resident accounts, their reports and supports,
suggestions with supports and a reply, the logo solicitation and a satisfaction survey.

Everything goes through the same services as real use, so points, notifications and
moderation records are what they would be."""

import io
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from wenming.cases import services as cases
from wenming.org import lookup
from wenming.org.demo import DEMO_PASSWORD
from wenming.org.models import Area, AreaLevel
from wenming.participation.models import Citizen, SuggestionTopic
from wenming.participation.services import questionnaires, reports, solicitations, suggestions

RESIDENTS = [
    ("居民小赵", "13904710001"),
    ("居民老钱", "13904710002"),
    ("居民阿娜尔", "13904710003"),
    ("居民小孙", "13904710004"),
    ("居民巴特尔", "13904710005"),
    ("居民李阿姨", "13904710006"),
]
# Places in the old town of 新城区 and 回民区 (WGS-84) and what people report there.
REPORTS = [
    (
        "E",
        "0501",
        111.6712,
        40.8152,
        "新华大街人行道上有流动摊贩卖水果，行人只能走到机动车道上",
        "新华大街与中山东路交叉口",
    ),
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
        category = cases.Category.objects.get(kind=kind, code=code)
        case = reports.submit(
            shimin,
            category=category,
            lon=lon,
            lat=lat,
            description=text,
            address=address,
            client_key=f"demo-report-{i}",
        ).case
        for resident in rng.sample(residents, k=rng.randint(1, 4)):
            reports.support(resident, case)
        filed.append(case)
    # The office accepts the first two; the first is dispatched by the routing rules, so shimin earns points.
    for case in filed[:2]:
        cases.register(case, office)
    counts = {"resident": len(residents) + 1, "citizen report": len(filed)}
    counts["suggestion"] = load_suggestions(rng, shimin, residents, office)
    counts["solicitation entry"] = load_solicitation(rng, residents, office)
    counts["questionnaire response"] = load_questionnaire(rng, residents, office)
    return counts


SUGGESTIONS = [
    (
        "市容环境",
        "老城区增设分类垃圾桶",
        "建议在老城区的背街小巷增设分类垃圾桶，并在桶上标清楚分类方法，方便老年人投放。",
    ),
    ("交通秩序", "学校门口设置接送车位", "每天放学时学校门口的车辆乱停乱放，建议划出临时接送车位，安排志愿者引导。"),
    ("公共文明", "公交站增加文明乘车提示", "建议在公交站台张贴排队上车的提示，高峰期安排文明引导员。"),
    ("生态环境", "公园增加饮水点", "夏天在公园锻炼的人很多，建议在主要步道旁增加直饮水点。"),
]


def load_suggestions(rng, author, residents, office) -> int:
    made = []
    for i, (topic, title, body) in enumerate(SUGGESTIONS):
        made.append(
            suggestions.submit(
                author if i == 0 else residents[i],
                topic=SuggestionTopic.objects.get(name=topic),
                title=title,
                body=body,
            )
        )
    for suggestion in made:
        for resident in rng.sample(residents, k=rng.randint(1, len(residents) - 1)):
            if resident.pk != suggestion.author_id:
                suggestions.support(suggestion, resident)
    suggestions.reply(
        made[0],
        office,
        text="感谢您的建议。市城管局已将老城区背街小巷的分类垃圾桶增设列入本季度计划，首批将于下月在新城区试点。",
    )
    return len(made)


def _poster(text: str, colour: tuple) -> SimpleUploadedFile:
    """A plain coloured card standing in for a designer's entry."""
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((250, 150, 550, 450), outline=(255, 255, 255), width=18)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{text}.jpg", buffer.getvalue(), content_type="image/jpeg")


def load_solicitation(rng, residents, office) -> int:
    now = timezone.now()
    prepared = now - timedelta(days=2)  # set up before voting opened yesterday
    solicitation = solicitations.create(
        office,
        now=prepared,
        title="创城标识（LOGO）征集投票",
        description="为迎接全国文明城市测评，面向社会征集创城标识。请为您最喜欢的作品投票，每人最多可投两票，每件作品一票。",
        voting_opens_at=now - timedelta(days=1),
        voting_closes_at=now + timedelta(days=14),
        votes_per_person=2,
    )
    entries = []
    for i, (title, colour) in enumerate(
        [("青城之光", (179, 18, 27)), ("文明之花", (30, 110, 160)), ("塞上明珠", (30, 130, 70))]
    ):
        entries.append(
            solicitations.add_entry(
                solicitation,
                office,
                title=title,
                author_name=f"设计者{i + 1}",
                image=_poster(title, colour),
                description="以青城山水为主题的设计",
                now=prepared,
            )
        )
    solicitations.publish(solicitation, office, now=prepared)
    for resident in residents:
        for entry in rng.sample(entries, k=2):
            solicitations.vote(solicitation, entry, resident)
    return len(entries)


def load_questionnaire(rng, residents, office) -> int:
    questionnaire = questionnaires.create_questionnaire(
        office,
        title="2026年度市民文明城市创建满意度调查",
        description="您的意见将帮助我们改进创城工作。问卷约需2分钟，可以匿名填写。",
    )
    items = [
        {
            "kind": "single",
            "text": "您对所在社区的环境卫生是否满意？",
            "required": True,
            "scored": True,
            "options": [
                {"key": "", "label": "满意", "score": 100},
                {"key": "", "label": "基本满意", "score": 60},
                {"key": "", "label": "不满意", "score": 0},
            ],
        },
        {
            "kind": "text",
            "text": "您最不满意的是哪方面？",
            "required": False,
            "show_if_item": "q1",
            "show_if_values": ["o3"],
        },
        {
            "kind": "scale",
            "text": "您对创城工作的总体评价（1 分最低，5 分最高）",
            "required": True,
            "scored": True,
            "scale_min": 1,
            "scale_max": 5,
            "scale_min_label": "很差",
            "scale_max_label": "很好",
        },
        {
            "kind": "multiple",
            "text": "您通过哪些渠道了解创城工作？",
            "required": False,
            "allow_other": True,
            "options": [{"key": "", "label": label} for label in ("电视广播", "公益广告", "社区宣传", "手机新闻")],
        },
    ]
    for item in items:
        questionnaires.add_item(questionnaire, office, item)
    questionnaires.publish(questionnaire, office)
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT, code__in=["150102", "150103", "150104", "150105"]))
    made = 0
    for n in range(60):
        satisfaction = rng.choices(["o1", "o2", "o3"], weights=[5, 3, 1])[0]
        data = {
            "q1": satisfaction,
            "q3": str(rng.choices([5, 4, 3, 2], weights=[4, 4, 2, 1])[0]),
            "q4": rng.sample(["o1", "o2", "o3", "o4"], k=rng.randint(1, 3)),
            "district": rng.choice(districts).code,
        }
        if satisfaction == "o3":
            data["q2"] = rng.choice(["背街小巷垃圾清运不及时", "小区内乱停车", "公共厕所太少"])
        questionnaires.submit(
            questionnaire,
            data,
            user=residents[n] if n < len(residents) else None,
            session_token=f"demo-{n}",
            ip_hash=f"demo-{n % 30}",
        )
        made += 1
    return made


def logins() -> list[tuple[str, str]]:
    """What the demo prints for the portal: a resident's phone number and the shared password."""
    shimin = get_user_model().objects.filter(username="shimin").select_related("citizen").first()
    phone = getattr(getattr(shimin, "citizen", None), "phone", "") if shimin else ""
    return [(phone or "shimin", "周敏")]
