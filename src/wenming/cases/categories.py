"""The standard 部件 (components) and 事件 (events) classes of digital city management
(GB/T 30428 major classes), with the subclasses the campaign's inspections find most.

Each subclass: (code, name, plain words for citizens, icon, time limit, unit, responsible unit type).
The campaign office edits them in the admin; this is only the starting point.
"""

H, D, C = "working_hours", "working_days", "clock_hours"

STANDARD = {
    "C": [
        (
            "01",
            "公用设施",
            [
                ("0101", "井盖缺损", "井盖破了或丢了", "⛔", 4, H, "住建"),
                ("0102", "路灯损坏", "路灯不亮", "💡", 3, D, "城管"),
                ("0103", "消防设施损坏", "消防栓坏了", "🧯", 2, D, "消防"),
                ("0104", "公交站亭损坏", "公交站亭坏了", "🚏", 3, D, "交通运输"),
                ("0105", "公厕设施损坏", "公厕设施坏了", "🚻", 2, D, "城管"),
            ],
        ),
        (
            "02",
            "道路交通",
            [
                ("0201", "道路破损", "路面坑洼", "🛣", 5, D, "住建"),
                ("0202", "护栏损坏", "护栏坏了", "🚧", 3, D, "交通运输"),
                ("0203", "交通标志标线缺损", "交通标志看不清", "🚸", 5, D, "公安交管"),
                ("0204", "盲道破损", "盲道坏了", "🦯", 5, D, "住建"),
                ("0205", "非机动车停放设施损坏", "车棚车架坏了", "🚲", 5, D, "城管"),
            ],
        ),
        (
            "03",
            "市容环境",
            [
                ("0301", "果皮箱缺损", "垃圾桶坏了", "🗑", 2, D, "城管"),
                ("0302", "垃圾收集点破损", "垃圾站坏了", "♻", 3, D, "城管"),
                ("0303", "宣传栏破损", "宣传栏坏了", "📋", 3, D, "城管"),
            ],
        ),
        (
            "04",
            "园林绿化",
            [
                ("0401", "绿地破坏", "绿地被踩被毁", "🌱", 3, D, "园林"),
                ("0402", "行道树损坏", "行道树倒了或死了", "🌳", 3, D, "园林"),
                ("0403", "园林设施损坏", "公园设施坏了", "🏞", 5, D, "园林"),
            ],
        ),
        (
            "05",
            "房屋土地",
            [
                ("0501", "建筑外立面破损", "楼房外墙破损", "🏢", 10, D, "住建"),
                ("0502", "空调外机雨棚隐患", "空调外机、雨棚有隐患", "⚠", 5, D, "住建"),
            ],
        ),
        (
            "06",
            "其他设施",
            [
                ("0601", "健身器材损坏", "健身器材坏了", "🏋", 5, D, "文旅"),
                ("0602", "其他部件问题", "其他设施问题", "🔧", 5, D, "城管"),
            ],
        ),
    ],
    "E": [
        (
            "01",
            "市容环境",
            [
                ("0101", "乱扔垃圾", "乱扔垃圾", "🚯", 2, H, "城管"),
                ("0102", "暴露垃圾", "垃圾堆着没人清", "🗑", 4, H, "城管"),
                ("0103", "公厕脏乱", "公厕脏乱", "🚻", 4, H, "城管"),
                ("0104", "道路不洁", "路面脏", "🧹", 4, H, "城管"),
                ("0105", "乱涂乱画", "乱涂乱画", "🖍", 2, D, "城管"),
                ("0106", "乱堆物料", "乱堆乱放", "📦", 1, D, "城管"),
            ],
        ),
        (
            "02",
            "宣传广告",
            [
                ("0201", "小广告", "小广告", "📄", 1, D, "城管"),
                ("0202", "违规户外广告", "违规广告牌", "🪧", 5, D, "城管"),
                ("0203", "公益广告缺失", "缺少公益广告", "📢", 5, D, "宣传"),
                ("0204", "破损广告牌匾", "招牌破损", "🏚", 3, D, "城管"),
            ],
        ),
        (
            "03",
            "施工管理",
            [
                ("0301", "施工扰民", "施工噪音扰民", "🔊", 4, H, "住建"),
                ("0302", "施工围挡不规范", "工地围挡不规范", "🚧", 2, D, "住建"),
                ("0303", "道路遗撒", "渣土车遗撒", "🚛", 4, H, "城管"),
                ("0304", "违章搭建", "私搭乱建", "🏗", 10, D, "城管"),
            ],
        ),
        (
            "04",
            "突发事件",
            [
                ("0401", "路面塌陷", "路面塌陷", "🕳", 2, C, "住建"),
                ("0402", "积水内涝", "路面积水", "🌊", 4, C, "水务"),
                ("0403", "树木倒伏", "树倒了挡路", "🌲", 4, C, "园林"),
            ],
        ),
        (
            "05",
            "街面秩序",
            [
                ("0501", "占道经营", "占道摆摊", "🛒", 4, H, "城管"),
                ("0502", "违规停车", "乱停车", "🚗", 2, H, "公安交管"),
                ("0503", "盲道被占", "盲道被占", "🦯", 4, H, "城管"),
                ("0504", "店外经营", "店外摆放经营", "🏪", 1, D, "城管"),
                ("0505", "非机动车乱停放", "共享单车乱停", "🚲", 4, H, "城管"),
            ],
        ),
        (
            "06",
            "其他事件",
            [
                ("0601", "不文明行为", "不文明行为", "🙅", 1, D, "创城办"),
                ("0602", "其他问题", "其他问题", "❓", 5, D, "创城办"),
            ],
        ),
    ],
}


def seed_categories(category_model) -> int:
    """Create the standard tree where it is missing; existing rows (the office's edits) stay."""
    existing = set(category_model.objects.values_list("kind", "code"))
    created = 0
    for kind, majors in STANDARD.items():
        for code, name, subclasses in majors:
            major = category_model.objects.filter(kind=kind, code=code).first()
            if major is None:
                major = category_model.objects.create(kind=kind, code=code, name=name, plain_name=name)
                created += 1
            for sub_code, sub_name, plain, icon, limit, unit, responsible in subclasses:
                if (kind, sub_code) in existing:
                    continue
                category_model.objects.create(
                    kind=kind,
                    code=sub_code,
                    name=sub_name,
                    plain_name=plain,
                    icon=icon,
                    parent=major,
                    time_limit=limit,
                    time_unit=unit,
                    responsible_unit_type=responsible,
                )
                created += 1
    return created
