"""Which arguments are URLs of object stores. A module of its own so that ``aicop scan FILE`` pays
for one string test, not for importing the store layer (start-up time is measured)."""

REMOTE = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}


def is_url(text: str) -> bool:
    return "://" in text and text.split("://", 1)[0].lower() in REMOTE
