"""Chinese messages: every catalogued reason a field can be refused for reads in Chinese."""

from __future__ import annotations

import pytest

import engine
from engine.base.errors import RecordError

from ..conftest import POLICIES, teacher

JIANGXI = engine.load_policy(POLICIES / "jiangxi.yaml")


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"gender": "X"}, "字段 gender（性别）取值无效：'X' 不是可选值之一（M, F；或 男, 女）"),
        ({"age": "abc"}, "字段 age（年龄）取值无效：'abc' 不是数字"),
        ({"age": "30.5"}, "字段 age（年龄）取值无效：应为整数"),
        ({"age": 120}, "字段 age（年龄）取值无效：120 超出允许范围 [0, 100]"),
        ({"opted_in": "也许"}, "字段 opted_in（自愿参加）取值无效：应为是/否"),
        ({"lesson_scores": [60, 71]}, "字段 lesson_scores（课堂评分）取值无效：第2项：71 超出允许范围 [0, 70]"),
        ({"class_hours": True}, "字段 class_hours（总课时）取值无效：应为数字，实为是/否"),
        ({"age": None}, "字段 age（年龄）缺失"),
    ],
)
def test_record_problems_in_chinese(fields, expected):
    with pytest.raises(RecordError) as info:
        JIANGXI.evaluate(teacher(**fields), "teacher")
    rendered = [d.render("zh") for d in info.value.diagnostics]
    assert any(expected in text for text in rendered), rendered
    assert all("提示" not in text or "hint" not in text for text in rendered)


def test_unknown_codes_and_english_fall_back_to_the_english_message():
    from engine.base.errors import Diagnostic

    plain = Diagnostic("some.new-code", "an English message")
    assert plain.render("zh").endswith("some.new-code: an English message")
    assert str(plain) == plain.render("en")
