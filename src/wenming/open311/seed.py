"""A few service attributes for the standard subclasses: the extra questions a client
app asks when a citizen reports these problems. The campaign office edits them in the admin."""

STANDARD = {
    # service code: [(code, datatype, required, order, description, datatype_description, values, variable)]
    "E0502": [  # 违规停车
        ("plate", "string", False, 1, "车牌号", "例如 蒙A12345", [], True),
    ],
    "C0101": [  # 井盖缺损
        (
            "cover_type",
            "singlevaluelist",
            True,
            1,
            "井盖类型",
            "",
            [
                ("rain", "雨水"),
                ("sewage", "污水"),
                ("power", "电力"),
                ("telecom", "通信"),
                ("other", "其他"),
            ],
            True,
        ),
    ],
    "E0501": [  # 占道经营
        (
            "goods",
            "multivaluelist",
            False,
            1,
            "经营类型（可多选）",
            "",
            [
                ("fruit", "水果"),
                ("vegetable", "蔬菜"),
                ("snack", "小吃"),
                ("grocery", "杂货"),
            ],
            True,
        ),
    ],
    "C0102": [  # 路灯损坏
        ("lamps", "number", False, 1, "不亮的路灯数量", "整数，例如 3", [], True),
    ],
    "E0301": [  # 施工扰民
        ("noticed_at", "datetime", False, 1, "噪音发生时间", "例如 2026-05-01T22:30:00+08:00", [], True),
        ("site", "text", False, 2, "工地名称或施工单位（如知道）", "", [], True),
    ],
    "E0401": [  # 路面塌陷
        ("safety", "string", False, 0, "请远离塌陷区域；有人员受伤或车辆坠落请立即拨打 110 或 119。", "", [], False),
    ],
}


def seed_attributes(attribute_model, category_model) -> int:
    """Create the standard attributes where their subclass exists and they are missing."""
    created = 0
    for service_code, attributes in STANDARD.items():
        category = category_model.objects.filter(kind=service_code[0], code=service_code[1:]).first()
        if category is None:
            continue
        for code, datatype, required, order, description, hint, values, variable in attributes:
            _, made = attribute_model.objects.get_or_create(
                category=category,
                code=code,
                defaults={
                    "datatype": datatype,
                    "required": required,
                    "order": order,
                    "description": description,
                    "datatype_description": hint,
                    "values": [{"key": k, "name": n} for k, n in values],
                    "variable": variable,
                },
            )
            created += made
    return created
