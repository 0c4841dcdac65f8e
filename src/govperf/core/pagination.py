"""The one pagination of the API: page and page_size, both bounded."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (M ≤ 500); answers ``{"items": [...], "count": total}``."""

    class Input(Schema):
        # Bounded so that an absurd page number is a 422, not a database overflow.
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=500)
