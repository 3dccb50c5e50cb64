"""Uploading files to Slack from disk, streamed: files.getUploadURLExternal, a POST, files.completeUploadExternal.

slack_sdk's ``files_upload_v2`` reads each file whole into memory (twice, with its request body); an export of
10,000 full-size wins is about 200 MB of Markdown and JSON. Here the POST body is the open file, which
``http.client`` sends in 8 kB blocks.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

UPLOAD_TIMEOUT_SECONDS = 120
"""A 100 MB file at a slow 1 MB/s still fits."""


@dataclass(frozen=True)
class FileToUpload:
    path: Path
    filename: str
    title: str


def upload_files(client: WebClient, channel_id: str, files: list[FileToUpload], initial_comment: str) -> None:
    """Share ``files`` in ``channel_id`` as one message; SlackApiError / SlackRequestError on failure."""
    uploaded: list[dict[str, str | None]] = []
    for item in files:
        size = item.path.stat().st_size
        answer = client.files_getUploadURLExternal(filename=item.filename, length=size)
        url, file_id = str(answer["upload_url"]), str(answer["file_id"])
        with item.path.open("rb") as body:
            request = urllib.request.Request(  # noqa: S310  # Slack's own https upload URL
                url, data=body, method="POST", headers={"Content-Length": str(size)}
            )
            try:
                with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, OSError) as error:
                raise SlackRequestError(f"uploading {item.filename} failed: {error}") from error
        uploaded.append({"id": file_id, "title": item.title})
    client.files_completeUploadExternal(files=uploaded, channel_id=channel_id, initial_comment=initial_comment)
