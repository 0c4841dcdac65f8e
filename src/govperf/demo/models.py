from django.db import models


class DemoStep(models.Model):
    """A step of the demo city that has been loaded; `govperf demo` skips it next time."""

    name = models.CharField(max_length=64, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
