"""wenming: 文明城市创建管理平台."""

__version__ = "0.1.0"
