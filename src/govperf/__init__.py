"""GovPerf 政府目标绩效管理平台."""

__version__ = "0.1.0"
