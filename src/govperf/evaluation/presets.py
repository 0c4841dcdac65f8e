"""The preset schemes of PRODUCT.md C6 (*config*: the office edits them like any scheme).

- ``hangzhou-3plus1``: Hangzhou's "3+1" (R003 §5.2): 社会评价 50, 目标考核 45, 领导考评 5,
  plus 创新创优 bonus points (capped at 3, *ours*). Social evaluation is the yearly
  满意单位/不满意单位 vote and surveys, imported per unit (several groups of voters,
  trimmed mean); goal assessment reads the government indicators every department
  shares (codes of the demo library: a library without them takes their values
  imported, until the office links its own) against each unit's plan targets, with
  the qualitative ones by rubric; leaders score by rubric.
- ``tcity-multi-subject``: T city's evaluation subjects (R003 §3.2.4): self, superior,
  peers, the public and a third party. The weights are *ours*; the public's scores come
  from surveys, 座谈会 and 网上评议, imported.
- ``budget-project``: a budget project's self-evaluation after spending (*ours*):
  产出 50 / 效益 30 / 满意度 10 / 预算执行率 10, the budget part
  min(executed ÷ budget × 10, 10) as ``higher_better`` with target = budget. Targets
  marked ``from_plan`` come from the project's plan targets, or, for indicators that
  are not in the library, from the targets imported for the round (``spent.target``).

``govperf load_schemes`` loads them; a preset already present is left as it is, so a
second run changes nothing and the office's edits stay.
"""

from __future__ import annotations

from typing import Any

FOUR_GRADES = [
    {"name": "优秀", "min": 90},
    {"name": "良好", "min": 80},
    {"name": "合格", "min": 60},
    {"name": "不合格", "min": 0},
]
LEADER_RUBRIC = [
    {"name": "好", "min": 90, "max": 100, "description": "工作成效显著，群众和服务对象评价高"},
    {"name": "较好", "min": 80, "max": 90, "description": "较好完成年度任务，个别方面有差距"},
    {"name": "一般", "min": 60, "max": 80, "description": "基本完成任务，存在明显短板"},
    {"name": "差", "min": 0, "max": 60, "description": "未完成主要任务或出现重大失误"},
]

HANGZHOU: dict[str, Any] = {
    "name": "杭州式“3+1”综合考评",
    "description": "社会评价（50分）、目标考核（45分）、领导考评（5分）加创新创优加分（R003 §5.2）。"
    "社会评价取满意单位不满意单位评选及问卷调查各界别得分，去掉最高和最低后平均；"
    "目标考核按各单位绩效计划中的目标值计分。",
    "precision": 2,
    "grades": FOUR_GRADES,
    "quota": {"grade": "优秀", "max_share": 0.2},
    "ranking": "group",
    "bonus_cap": 3,
    "bonus_label": "创新创优",
    "components": [
        {
            "code": "social",
            "label": "社会评价",
            "weight": 50,
            "panel": {"aggregate": "trimmed_mean", "trim": 1},
            "source": "import",
        },
        {
            "code": "goal",
            "label": "目标考核",
            "weight": 45,
            "indicators": [
                {
                    "code": "GOV-029",
                    "label": "绩效目标按时报送率",
                    "weight": 20,
                    "rule": {"kind": "higher_better", "target": "from_plan"},
                },
                {
                    "code": "GOV-027",
                    "label": "部门预算执行率",
                    "weight": 20,
                    "rule": {
                        "kind": "interpolate",
                        "floor": "from_plan",
                        "target": "from_plan",
                        "challenge": "from_plan",
                    },
                },
                {
                    "code": "GOV-030",
                    "label": "整改任务按期完成率",
                    "weight": 25,
                    "rule": {
                        "kind": "interpolate",
                        "floor": "from_plan",
                        "target": "from_plan",
                        "challenge": "from_plan",
                    },
                },
                {
                    "code": "GOV-009",
                    "label": "依法行政水平",
                    "weight": 15,
                    "rule": {"kind": "rubric"},
                },
                {
                    "code": "GOV-035",
                    "label": "党风廉政建设责任制落实",
                    "weight": 20,
                    "rule": {"kind": "rubric"},
                    "source": "tasks",
                    "evaluators": ["expert"],
                    "rubric": {
                        "达成": "责任制全面落实，无违纪违规问题",
                        "部分达成": "责任制基本落实，存在一般性问题并已整改",
                        "未达成": "责任制落实不到位，或发生违纪违规问题",
                    },
                },
            ],
        },
        {
            "code": "leader",
            "label": "领导考评",
            "weight": 5,
            "panel": {"aggregate": "mean"},
            "evaluators": ["superior"],
            "rubric": LEADER_RUBRIC,
        },
    ],
}

TCITY: dict[str, Any] = {
    "name": "T市多元主体评价",
    "description": "部门自评、上级评价、同级互评、公众评价和第三方评价（R003 §3.2.4）；"
    "各主体权重为本系统预设，可由绩效办调整。",
    "precision": 2,
    "grades": FOUR_GRADES,
    "ranking": "group",
    "components": [
        {
            "code": "self",
            "label": "部门自评",
            "weight": 10,
            "panel": {"aggregate": "mean"},
            "evaluators": ["self"],
        },
        {
            "code": "superior",
            "label": "上级评价",
            "weight": 30,
            "panel": {"aggregate": "mean"},
            "evaluators": ["superior"],
            "rubric": LEADER_RUBRIC,
        },
        {
            "code": "peer",
            "label": "同级互评",
            "weight": 20,
            "panel": {"aggregate": "trimmed_mean", "trim": 1},
            "evaluators": ["peer"],
        },
        {
            "code": "public",
            "label": "公众评价",
            "weight": 25,
            "panel": {"aggregate": "trimmed_mean", "trim": 1},
            "source": "import",
        },
        {
            "code": "third_party",
            "label": "第三方评价",
            "weight": 15,
            "panel": {"aggregate": "mean"},
            "evaluators": ["third_party"],
        },
    ],
}

BUDGET: dict[str, Any] = {
    "name": "预算项目绩效自评",
    "description": "花完之后有评价：产出 50、效益 30、满意度 10、预算执行率 10；"
    "预算执行率得分 = min(执行数 ÷ 预算数 × 10, 10)。",
    "precision": 2,
    "grades": [
        {"name": "优", "min": 90},
        {"name": "良", "min": 80},
        {"name": "中", "min": 60},
        {"name": "差", "min": 0},
    ],
    "ranking": "none",
    "components": [
        {
            "code": "output",
            "label": "产出",
            "weight": 50,
            "indicators": [
                {
                    "code": "output_quantity",
                    "label": "数量指标",
                    "weight": 40,
                    "rule": {"kind": "higher_better", "target": "from_plan"},
                },
                {
                    "code": "output_quality",
                    "label": "质量指标（验收合格率，%）",
                    "weight": 30,
                    "rule": {"kind": "higher_better", "target": 100},
                },
                {
                    "code": "output_timeliness",
                    "label": "时效指标（按期完成率，%）",
                    "weight": 30,
                    "rule": {"kind": "higher_better", "target": 100},
                },
            ],
        },
        {
            "code": "benefit",
            "label": "效益",
            "weight": 30,
            "indicators": [
                {
                    "code": "social_benefit",
                    "label": "社会效益指标",
                    "weight": 60,
                    "rule": {"kind": "higher_better", "target": "from_plan"},
                },
                {
                    "code": "complaints",
                    "label": "投诉件数",
                    "weight": 40,
                    "rule": {"kind": "lower_better", "target": "from_plan"},
                },
            ],
        },
        {
            "code": "satisfaction",
            "label": "满意度",
            "weight": 10,
            "indicators": [
                {
                    "code": "beneficiary_satisfaction",
                    "label": "服务对象满意度（%）",
                    "weight": 100,
                    "rule": {"kind": "higher_better", "target": 90},
                }
            ],
        },
        {
            "code": "execution",
            "label": "预算执行率",
            "weight": 10,
            "indicators": [
                {
                    "code": "spent",
                    "label": "预算执行数（目标值为预算数）",
                    "weight": 100,
                    "rule": {"kind": "higher_better", "target": "from_plan"},
                }
            ],
        },
    ],
}

PRESETS: list[tuple[str, dict[str, Any]]] = [
    ("hangzhou-3plus1", HANGZHOU),
    ("tcity-multi-subject", TCITY),
    ("budget-project", BUDGET),
]
