"""Static files: what collectstatic gathers from the front-end packages, and how production stores them.

The npm packages ship many builds of each library (ES modules, CommonJS, unminified, TypeScript types, Sass);
the pages load only the minified browser builds. Collecting the rest took minutes (hashing and compressing about
80 MB) and served nothing, so collectstatic leaves them out. Source maps of the kept files stay: the manifest
storage follows each file's sourceMappingURL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.staticfiles.finders import FileSystemFinder as DjangoFileSystemFinder

UNUSED_BUILDS = [
    "esm",
    "cjs",
    "scss",
    "extension",  # echarts' bmap/dataTool
    "*.mjs",
    "*.d.ts",
    "*.scss",
    "echarts.js*",
    "echarts.esm*",
    "echarts.common*",
    "echarts.simple*",
    "swagger-ui.js*",
    "swagger-ui-es-bundle*",
    "swagger-ui-standalone-preset.js*",
    "swagger-initializer.js",
    "absolute-path.js",
    "index.js",
    "index.html",
    "oauth2-redirect.*",
    "package.json",
    "README.md",
    "log.*.txt",
]


class FileSystemFinder(DjangoFileSystemFinder):
    """STATICFILES_DIRS, listing (for collectstatic) none of the builds no page loads; finding is unchanged."""

    def list(self, ignore_patterns: Iterable[str] | None) -> Iterator[tuple[str, Any]]:
        yield from super().list([*(ignore_patterns or []), *UNUSED_BUILDS])
