from django.db import models


class WorkerHeartbeat(models.Model):
    """The worker's last sign of life, written by a periodic task; read by /healthz."""

    name = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at}"
