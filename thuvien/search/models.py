from django.db import models


class OutboxEntry(models.Model):
    """A record whose searchable form changed; written in the same transaction as the change."""

    record_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "search_outbox"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} record {self.record_id}"
