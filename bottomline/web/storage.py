"""Production's static file storage: hashed names and a .gz beside each file, for nginx's gzip_static.

WhiteNoise would also write a Brotli copy of each file when the brotli module is installed (it is, through
WeasyPrint's fonttools); Debian's nginx cannot serve those, and writing them was most of collectstatic's time.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """CompressedManifestStaticFilesStorage without the Brotli copies."""

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)
