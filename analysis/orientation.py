"""Orientation of the sensor: x-io's AHRS (Fusion) over each gap-free stretch.

Fusion is the Madgwick-style complementary filter that x-io ships with its
sensors; imufusion is its Python binding. Stepping imufusion costs two C
calls per sample from Python (0.55 µs a sample at the 50 Hz analysis grid,
float32 rows in, only the quaternion out; imufusion 1.3.3, its latest
release, has no batch call). So the same update is also written here in
numpy (``OrientationFilter(engine="numpy")``, :func:`_fusion_chunks`):
Fusion 1.3.3's ``FusionAhrsUpdate`` with our settings, in float32 in the C
code's order of operations, which gives imufusion's numbers to the bit. It
steps many chunks of the recording at once: the filter's tilt forgets its
start within seconds (gain 0.5: exp(-0.5 t)), so every chunk after a
stretch's first starts 30 s early from the accelerometer's tilt, and the
heading, which nothing observes without a magnetometer and which does not
forget, is joined chunk to chunk afterwards (Fusion's update does not
depend on the heading: a turn about earth z of the start turns the whole
output). On a day of wear: 0.26 s CPU per million samples against
imufusion's 0.55, every tilt within 1e-4° of imufusion's
(benchmarks/orientation.py). Short recordings keep imufusion
(``engine="auto"``), which is the cheaper there. Gravity and earth
acceleration follow from the quaternion in one vectorised step.

Where the sensor rests for a while (the benchmark day of wear spends a
third of its samples inside rests of 30 s or more: sitting, lying,
standing) the filter is not run sample by sample: the tilt there is the
averaged accelerometer's, which at rest measures gravity alone, with the
heading the filter had (``OrientationFilter(rest_fill_s=...)``).
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.ndimage import uniform_filter1d

from sensors.contract import G

from .preprocess import Uniform

_BLOCK = 65536


@dataclasses.dataclass
class Orientation:
    """Per-sample orientation estimates on the analysis grid.

    Only the quaternions are stored; the up vector and the earth-frame
    acceleration follow from them and the accelerometer when asked for. On
    a day of wear each (n, 3) float64 array is 100 MB, and the detectors
    read the earth-frame acceleration only over walks and reps.

    Attributes
    ----------
    quat : ndarray of float32, shape (n, 4)
        Sensor-to-earth rotation, (w, x, y, z), earth z up, heading arbitrary
        (imufusion's own float32 values).
    acc : ndarray, shape (n, 3)
        The accelerometer it was estimated from (m/s², sensor frame; the
        caller's array, not a copy).
    gravity : ndarray, shape (n, 3)
        Unit vector pointing up, in the sensor frame (computed on each access).
    earth_acc : EarthAcceleration, shape (n, 3)
        Acceleration without gravity in the earth frame (m/s²); rows are
        computed when sliced (``earth_acc[a:b]``), ``np.asarray`` gives all.
    """

    quat: np.ndarray
    acc: np.ndarray

    @property
    def gravity(self) -> np.ndarray:
        grav = np.empty((len(self.quat), 3))
        # In blocks, from the quaternions alone (the rotation's third row):
        # the (n, 4) float64 copy of a day's quaternions is a 140 MB temporary.
        for i in range(0, len(self.quat), _BLOCK):
            grav[i:i + _BLOCK] = _up_vectors(self.quat[i:i + _BLOCK].astype(float))
        return grav

    @property
    def earth_acc(self) -> EarthAcceleration:
        return EarthAcceleration(self.quat, self.acc)


class EarthAcceleration:
    """Gravity-free acceleration in the earth frame (m/s², shape (n, 3)), row by row on demand.

    ``x[a:b]`` computes rows ``a:b`` only (the same values as computing all
    rows, which ``np.asarray(x)`` does).
    """

    def __init__(self, quat: np.ndarray, acc: np.ndarray):
        self._quat, self._acc = quat, acc
        self.shape = (len(quat), 3)

    def __len__(self) -> int:
        return len(self._quat)

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            a, b, _ = key.indices(len(self._quat))
            return self._rows(a, max(a, b))
        return np.asarray(self)[key]

    def _rows(self, a: int, b: int) -> np.ndarray:
        earth = _gravity_and_earth_acc(self._quat[a:b].astype(float), self._acc[a:b] / G)[1]
        earth *= G
        return earth

    def vertical(self, a: int, b: int) -> np.ndarray:
        """Rows ``a:b`` of the vertical (third) column only: ``self[a:b][:, 2]``, the same values.

        The pencil-lift search reads only the vertical, over the day's flat
        stretches (3.3 M of a 24 h day's 4.3 M samples): the rotation's
        third row is the up vector, so the other two rows and the 3 × 3
        product are not needed.
        """
        a, b, _ = slice(a, b).indices(len(self._quat))
        b = max(a, b)
        quat, acc_g = self._quat[a:b].astype(float), self._acc[a:b] / G
        # The same contraction as _gravity_and_earth_acc's einsum over j (the
        # same order of sums, so the same bits; tests/test_orientation.py).
        up = np.einsum("nj,nj->n", _up_vectors(quat), acc_g)
        up -= 1.0
        up *= G
        return up

    def __array__(self, dtype=None, copy=None):
        out = np.empty(self.shape)
        for i in range(0, len(out), _BLOCK):
            out[i:i + _BLOCK] = self._rows(i, min(i + _BLOCK, len(out)))
        return out if dtype is None else out.astype(dtype)


class OrientationFilter:
    """Fuse gyro and accelerometer into orientation with x-io's AHRS (Fusion).

    Parameters
    ----------
    gain : float
        Weight of the accelerometer correction (x-io's default 0.5).
    acceleration_rejection_deg : float
        Ignore the accelerometer while it disagrees with the gravity estimate
        by more than this (deg); 0 disables rejection. Disabled by default:
        with 10° or 25° the filter sometimes locked onto a wrong tilt after
        brisk walking and did not recover while the leg stood still for a
        minute (measured on simulated shank data: 40° off for 60 s), while
        without it the tilt error during walking lasts a stride.
        Anything but 0 runs imufusion (the array engine has no rejection).
    recovery_s : float
        After this long of rejection, trust the accelerometer again.
    rest_fill_s : float, optional
        Rest (``still`` given to :meth:`estimate`) this long or longer is not
        filtered sample by sample: after ``rest_settle_s`` of filtering, the
        tilt comes from the accelerometer (1 s moving average; at rest it
        measures gravity alone) with the heading the filter had, and the
        filter resumes from there ``rest_settle_s`` before the rest ends.
        None filters everything.
    rest_settle_s : float
        Filtered time kept at each end of a filled rest.
    engine : {"auto", "numpy", "imufusion"}
        ``"imufusion"`` steps imufusion's C filter sample by sample (two
        Python-level calls a sample). ``"numpy"`` runs the same update
        (Fusion 1.3.3's ``FusionAhrsUpdate`` in float32, operation for
        operation: bit-identical to imufusion on a stretch that fits one
        chunk) on many chunks of the recording at once; see
        :func:`_fusion_chunks`. ``"auto"`` takes ``"numpy"`` when it steps
        at least ``min_lanes`` chunks at once, where it is the cheaper
        (a day of wear), else ``"imufusion"`` (short recordings, live windows).
    chunk_s : float
        ``"numpy"`` engine: length of each chunk (s); the first chunk of a
        filtered stretch is ``chunk_s + warmup_s`` long.
    warmup_s : float
        ``"numpy"`` engine: each later chunk starts this long before its
        own samples, from the accelerometer's tilt: with gain 0.5 a tilt
        error shrinks as exp(-0.5 t), from a radian to 3e-7 rad (float32's
        resolution) in 30 s. Its heading is then turned to the previous
        chunk's at the last warm-up sample.
    min_lanes : int
        ``"auto"``: the fewest chunks stepped at once for the numpy engine.
        Each of its steps costs ~40 µs of numpy calls plus ~0.2 µs a chunk,
        against imufusion's ~0.55 µs a sample (benchmarks/README.md), so it
        pays once some 100 chunks share each step.
    """

    def __init__(self, gain: float = 0.5, acceleration_rejection_deg: float = 0.0,
                 recovery_s: float = 5.0, rest_fill_s: float | None = None, rest_settle_s: float = 2.0,
                 engine: str = "auto", chunk_s: float = 60.0, warmup_s: float = 30.0, min_lanes: int = 100):
        if engine not in ("auto", "numpy", "imufusion"):
            raise ValueError(f"engine must be 'auto', 'numpy' or 'imufusion', not {engine!r}")
        self.gain = gain
        self.acceleration_rejection_deg = acceleration_rejection_deg
        self.recovery_s = recovery_s
        self.rest_fill_s = rest_fill_s
        self.rest_settle_s = rest_settle_s
        self.engine = engine
        self.chunk_s = chunk_s
        self.warmup_s = warmup_s
        self.min_lanes = min_lanes

    def estimate(self, u: Uniform, gyr_bias_dps: np.ndarray | None = None,
                 still: np.ndarray | None = None) -> Orientation:
        fill = self._fill_mask(u, still)
        # imufusion computes in float32 (and so does the numpy engine, to
        # give its values): converting once here instead of in every call is
        # what makes imufusion's per-sample loop cheap.
        gyr = (u.gyr if gyr_bias_dps is None else u.gyr - gyr_bias_dps).astype(np.float32)
        # In blocks: ``(u.acc / G).astype(np.float32)`` made a whole (n, 3)
        # float64 temporary first (100 MB of fresh pages a day); assigning
        # into float32 rounds as astype does.
        acc_32 = np.empty(u.acc.shape, dtype=np.float32)
        for i in range(0, len(acc_32), _BLOCK):
            np.divide(u.acc[i:i + _BLOCK], G, out=acc_32[i:i + _BLOCK], casting="same_kind")
        parts = self._parts(u, fill)
        rest_window = max(1, int(round(u.sampling_rate_hz)))
        plan = None
        if self.engine != "imufusion" and not self.acceleration_rejection_deg:
            warm = max(1, int(round(self.warmup_s * u.sampling_rate_hz)))
            plan = _chunk_plan(parts, max(warm, int(round(self.chunk_s * u.sampling_rate_hz))), warm)
            if self.engine == "auto" and _lanes(plan) < self.min_lanes:
                plan = None
        if plan is None:
            quat = self._imufusion(u, gyr, acc_32, parts, rest_window)
        else:
            quat = self._numpy(u, gyr, acc_32, parts, plan, rest_window)
        return Orientation(quat, u.acc)

    def _imufusion(self, u: Uniform, gyr: np.ndarray, acc_32: np.ndarray, parts, rest_window: int) -> np.ndarray:
        import imufusion

        # imufusion returns float32 quaternions: kept as such they lose
        # nothing and take half the memory (68 MB a day).
        quat = np.zeros((len(u.t), 4), dtype=np.float32)
        settings = imufusion.AhrsSettings(
            sample_rate=u.sampling_rate_hz, convention=imufusion.CONVENTION_NWU, gain=self.gain,
            gyroscope_range=4000.0, acceleration_rejection=self.acceleration_rejection_deg,
            # Seconds: Fusion 1.3.3 multiplies it by the sample rate.
            magnetic_rejection=0.0, rejection_timeout=self.recovery_s)
        for p0, p1, filled, first in parts:
            if first:
                ahrs = imufusion.Ahrs()
                ahrs.set_settings(settings)
                ahrs.set_sample_period(1.0 / u.sampling_rate_hz)
                # Start from the accelerometer's tilt instead of the filter's
                # ramp-up, so the first seconds of each stretch are usable.
                ahrs.set_quaternion(_segment_start(u.acc, p0, p1))
                ahrs.skip_startup()
                step = _stepper(ahrs)
            if filled:
                quat[p0:p1] = _rest_quaternions(quat[p0 - 1].astype(float), u.acc[p0:p1], rest_window)
                ahrs.set_quaternion(quat[p1 - 1].astype(float))
                continue
            # The quaternions are gathered as bytes a block at a time: a
            # list of a day's 4.3 M small arrays held 560 MB.
            for a in range(p0, p1, _BLOCK):
                b = min(a + _BLOCK, p1)
                quat[a:b] = np.frombuffer(b"".join(map(step, gyr[a:b], acc_32[a:b])),
                                          dtype=np.float32).reshape(-1, 4)
        return quat

    def _numpy(self, u: Uniform, gyr: np.ndarray, acc_32: np.ndarray, parts, plan, rest_window: int) -> np.ndarray:
        """Fusion's update over chunks of every filtered stretch at once, then the headings joined.

        Every stretch and chunk is filtered with heading arbitrary; Fusion's
        update does not depend on the heading (only on the gravity direction
        the quaternion gives), so turning a stretch's start about earth z
        turns its whole output by the same angle. The headings are put right
        afterwards in time order: a chunk takes the previous chunk's at the
        end of its warm-up, a filled rest the heading before it, the stretch
        after a rest the rest's.
        """
        quat = np.zeros((len(u.t), 4), dtype=np.float32)
        firsts = np.array([(p0, p1) for p0, p1, _, first in parts if first], dtype=np.int64).reshape(-1, 2)
        starts = dict(zip(firsts[:, 0].tolist(), _segment_starts(u.acc, firsts[:, 0], firsts[:, 1])))
        # The filled rests' tilts, several rests to a call (rows are
        # independent: the same values as one call per rest, with ~750 rests
        # a day the calls' overhead was most of it).
        batch: list[tuple[int, int, np.ndarray]] = []
        rows = 0
        for p0, p1, filled, _ in parts:
            if filled:
                if p1 - p0 >= _BLOCK:  # a long rest alone: no concatenated copy of it
                    _fill_tilts(quat, batch)
                    rows = 0
                batch.append((p0, p1, uniform_filter1d(u.acc[p0:p1], rest_window, axis=0, mode="nearest")))
                rows += p1 - p0
                if rows >= _BLOCK:
                    _fill_tilts(quat, batch)
                    rows = 0
        _fill_tilts(quat, batch)
        # (own start, own stop, warm-up start, initial quaternion; None: the accelerometer's tilt).
        chunks = [(a, b, w, None if a > w else starts[a] if a in starts else quat[a - 1].astype(float))
                  for a, b, w in plan]
        if chunks:
            warm_q, zeroed = _fusion_chunks(chunks, gyr, acc_32, quat, u.sampling_rate_hz, self.gain)
            _join_headings(quat, parts, chunks, warm_q, zeroed)
        return quat

    @staticmethod
    def _parts(u: Uniform, fill: np.ndarray) -> list[tuple[int, int, bool, bool]]:
        """Filtered stretches and filled rests in time order: (start, stop, filled, starts a segment)."""
        parts = []
        bounds = (np.flatnonzero(np.diff(u.segment)) + 1).tolist()
        turns = np.flatnonzero(np.diff(fill.astype(np.int8))) + 1
        for start, stop in zip([0, *bounds], [*bounds, len(u.t)] if len(u.t) else []):
            edges = turns[np.searchsorted(turns, start, "right"):np.searchsorted(turns, stop)].tolist()
            for p0, p1 in zip([start, *edges], [*edges, stop]):
                parts.append((p0, p1, bool(fill[p0]), p0 == start))
        return parts

    def _fill_mask(self, u: Uniform, still: np.ndarray | None) -> np.ndarray:
        """Samples whose orientation comes from the accelerometer (see ``rest_fill_s``)."""
        fill = np.zeros(len(u.t), dtype=bool)
        if still is None or self.rest_fill_s is None:
            return fill
        from .gait import runs

        rest = np.asarray(still, dtype=bool) & u.valid
        rest[np.flatnonzero(np.diff(u.segment)) + 1] = False  # a rest never spans a gap
        k = int(round(self.rest_settle_s * u.sampling_rate_hz))
        for a, b in zip(*runs(rest)):
            if (b - a) >= self.rest_fill_s * u.sampling_rate_hz and b - a > 2 * k + 1:
                fill[a + max(k, 1):b - k] = True
        return fill


def _fill_tilts(quat: np.ndarray, batch: list) -> None:
    """``quat[p0:p1] = _tilt_quaternions(up)`` for each (p0, p1, up) of ``batch`` in one call; empties ``batch``."""
    if not batch:
        return
    tilts = _tilt_quaternions(np.concatenate([up for _, _, up in batch]) if len(batch) > 1 else batch[0][2])
    o = 0
    for p0, p1, _ in batch:
        quat[p0:p1] = tilts[o:o + p1 - p0]
        o += p1 - p0
    batch.clear()


def _segment_start(acc: np.ndarray, a: int, b: int) -> np.ndarray:
    """Initial (w, x, y, z) at sample ``a``: the tilt of the first five samples' mean accelerometer (m/s²)."""
    return _tilt_quaternion((acc[a:min(b, a + 5)] / G).mean(axis=0))


def _segment_starts(acc: np.ndarray, a: np.ndarray, b: np.ndarray, unit: float = G) -> np.ndarray:
    """:func:`_segment_start` for many stretches ``a[i]:b[i]`` (``acc`` in ``unit``)."""
    k = np.arange(5)
    rows = np.minimum(a[:, None] + k, b[:, None] - 1)
    part = (acc[rows] / unit).astype(float)
    part[k >= (b - a)[:, None]] = 0.0
    return _tilt_quaternions(part.sum(axis=1) / np.minimum(b - a, 5)[:, None])


def _chunk_plan(parts, own: int, warm: int) -> list[tuple[int, int, int]]:
    """Chunks (own start, own stop, warm-up start) of the filtered ``parts``, in time order.

    A stretch's first chunk has no warm-up and ``own + warm`` samples; the
    others ``own`` samples after ``warm`` of warm-up.
    """
    plan = []
    for p0, p1, filled, _ in parts:
        if filled:
            continue
        cuts = list(range(p0 + own + warm, p1, own)) if p1 - p0 > own + warm else []
        plan += [(a, b, a if a == p0 else a - warm) for a, b in zip([p0, *cuts], [*cuts, p1])]
    return plan


def _lanes(plan) -> int:
    """How many lanes :func:`_fusion_chunks` steps at once for ``plan``."""
    if not plan:
        return 0
    lengths = np.array([b - w for _, b, w in plan])
    return int(_pack(lengths, int(lengths.max()))[0].max()) + 1


_F32 = np.float32
#: Fusion's ``FusionDegreesToRadians(0.5f)``: ``0.5f * ((float) M_PI / 180.0f)``.
_HALF_DEG_TO_RAD = _F32(0.5) * (_F32(np.pi) / _F32(180.0))
_STARTUP_GAIN, _STARTUP_S = _F32(10.0), _F32(3.0)


def _pack(lengths: np.ndarray, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Lanes and offsets placing tasks of ``lengths`` end to end in lanes of ``capacity``.

    Longest first, each into the lane with the most room (a heap: n log n
    for any number of tasks; a day's 4516 chunks fill 574 lanes where their
    total length needs 574).
    """
    import heapq

    lane = np.empty(len(lengths), dtype=np.int64)
    offset = np.empty(len(lengths), dtype=np.int64)
    room: list[tuple[int, int]] = []  # (-free length, lane)
    used: list[int] = []
    for t in np.argsort(-lengths, kind="stable"):
        need = int(lengths[t])
        if room and -room[0][0] >= need:
            m = heapq.heappop(room)[1]
        else:
            used.append(0)
            m = len(used) - 1
        lane[t], offset[t] = m, used[m]
        used[m] += need
        heapq.heappush(room, (used[m] - capacity, m))
    return lane, offset


def _fusion_chunks(chunks, gyr: np.ndarray, acc_g: np.ndarray, quat: np.ndarray, sampling_rate_hz: float,
                   gain: float, block: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
    """Run Fusion's AHRS update (imufusion 1.3.3, NWU, no magnetometer) over many chunks at once.

    The update is that of ``FusionAhrsUpdateNoMagnetometer`` after
    ``set_quaternion`` and ``skip_startup``, with the settings
    :meth:`OrientationFilter._imufusion` gives (acceleration and magnetic
    rejection 0, which Fusion turns into a threshold of ``FLT_MAX``: the
    accelerometer is never ignored; gyroscope range 4000 deg/s: a rate
    above 3920 deg/s restarts the 3 s start-up, with its gain ramp and its
    heading held at 0), in float32 in Fusion's order of operations, and the
    square roots exact (the imufusion build does not use the fast inverse
    square root: its quaternions have unit norm).

    Each chunk is one lane's task; short tasks share a lane end to end, so
    the Python loop runs once per sample of the longest task, each step a
    few dozen numpy operations on (lanes,) arrays.

    Parameters
    ----------
    chunks : list of (a, b, w, q0)
        Own samples ``a:b``, filtered from ``w <= a``; ``q0`` the quaternion
        at ``w`` (None: the accelerometer's tilt there).
    gyr : ndarray of float32, shape (n, 3)
        Angular rate (deg/s), bias removed; overwritten (scaled).
    acc_g : ndarray of float32, shape (n, 3)
        Accelerometer (g); overwritten (normalised).
    quat : ndarray of float32, shape (n, 4)
        Output: each chunk's own samples are written (heading arbitrary).

    Returns
    -------
    warm_q : ndarray, shape (len(chunks), 4)
        Each chunk's quaternion at its last warm-up sample ``a - 1`` (NaN without a warm-up).
    zeroed : ndarray of bool, shape (n,), or None
        Own samples where a start-up (after a gyroscope over-range) held the
        heading at 0; None when the rate never exceeded the range.
    """
    a_, b_, w_ = (np.array([c[i] for c in chunks], dtype=np.int64) for i in range(3))
    lengths = b_ - w_
    cap = int(lengths.max())
    lane, off = _pack(lengths, cap)
    n_lanes = int(lane.max()) + 1
    idx = np.zeros((n_lanes, cap), dtype=np.int64)
    own = np.zeros((n_lanes, cap), dtype=bool)
    resets: dict[int, list[int]] = {}
    captures: dict[int, list[int]] = {}
    init = np.empty((len(chunks), 4), dtype=np.float32)
    for t, (a, b, w, q0) in enumerate(chunks):
        m, o = lane[t], off[t]
        idx[m, o:o + b - w] = np.arange(w, b)
        own[m, o + a - w:o + b - w] = True
        if q0 is not None:
            init[t] = q0
        resets.setdefault(int(o), []).append(t)
        if a > w:
            captures.setdefault(int(o + a - w - 1), []).append(t)
    later = np.array([c[3] is None for c in chunks])
    if later.any():  # warm-ups start at the tilt of their first five samples, as a segment does
        init[later] = _segment_starts(acc_g, w_[later], b_[later], 1.0)
    warm_q = np.full((len(chunks), 4), np.nan)

    f32 = _F32
    gain = f32(gain)
    half = f32(0.5)
    dt = f32(1.0 / sampling_rate_hz)  # set_sample_period(1.0 / rate), a float
    threshold = f32(0.98) * f32(4000.0)
    zeroed = over = None
    if len(gyr) and np.abs(gyr).max() > threshold:
        over = np.abs(gyr).max(axis=1) > threshold
        zeroed = np.zeros(len(gyr), dtype=bool)
        gain_step = ((_STARTUP_GAIN - gain) / _STARTUP_S) * (f32(1.0) / f32(sampling_rate_hz))
    startup = np.zeros(n_lanes, dtype=bool)
    startup_gain = np.zeros(n_lanes, dtype=f32)
    q = np.zeros((4, n_lanes), dtype=f32)
    # Every sample's half rate in rad/s and unit accelerometer, in place,
    # rounded as Fusion's FusionVectorScale and FusionVectorNormalise round them.
    gyr *= _HALF_DEG_TO_RAD
    norm2 = (acc_g[:, 0] * acc_g[:, 0] + acc_g[:, 1] * acc_g[:, 1]) + acc_g[:, 2] * acc_g[:, 2]
    # A zero (or non-finite) accelerometer gives no feedback, as Fusion's
    # FusionVectorIsZero test (and, for NaN or inf, its rejection test) does.
    none = ~np.isfinite(norm2) | (norm2 == 0)
    norm2[none] = 1.0
    acc_g *= (f32(1.0) / np.sqrt(norm2))[:, None]
    acc_g[none] = 0.0
    del norm2, none
    # Each step's products in as few numpy calls as can be (a product
    # rounds the same whichever array it is taken from and in either order;
    # sums keep Fusion's order): each call costs microseconds of overhead on
    # a few hundred lanes, and the loop runs once per sample of the longest chunk.
    cross_h = np.array([2, 1, 0, 2, 1, 0])  # with the accelerometer's (y, z, z, x, x, y)
    # q_i·v_j is at 3 i + j of the outer product q ⊗ v; these are, in order,
    # x·vx, y·vy, z·vz | w·vx, y·vz, z·vy | w·vy, x·vz, z·vx | w·vz, x·vy, y·vx.
    prod_qv = 3 * np.array([1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2]) + np.array([0, 1, 2, 0, 2, 1, 1, 2, 0, 2, 1, 0])
    # FusionQuaternionVectorProduct: w = (-x·vx - y·vy) - z·vz, x = (w·vx + y·vz) - z·vy,
    # y = (w·vy - x·vz) + z·vx, z = (w·vz + x·vy) - y·vx (a sign flip is exact).
    signs = np.array([[-1, -1, -1], [1, 1, -1], [1, -1, 1], [1, 1, -1]], dtype=f32)[:, :, None]
    half_grav = np.empty((3, n_lanes), dtype=f32)
    for k0 in range(0, cap, block):
        k1 = min(k0 + block, cap)
        ib = idx[:, k0:k1]
        # np.take with a contiguous (steps, lanes) index: a fancy index with
        # the transposed view took twice as long (the same rows).
        ibt = np.ascontiguousarray(ib.T)
        g = np.take(gyr, ibt, axis=0).transpose(0, 2, 1)  # (steps, 3, lanes)
        acc = np.ascontiguousarray(np.take(acc_g, ibt, axis=0).transpose(0, 2, 1))
        acc6 = acc[:, [1, 2, 2, 0, 0, 1]]
        ov = np.ascontiguousarray(over[ib].T) if zeroed is not None else None
        out = np.empty((k1 - k0, 4, n_lanes), dtype=f32)  # a step's q is one contiguous row
        for k in range(k0, k1):
            ts = resets.get(k)
            if ts is not None:
                q[:, lane[ts]] = init[ts].T
                startup[lane[ts]] = False
            gain_k = gain
            if ov is not None:
                hit = ov[k - k0]
                if hit.any():
                    startup |= hit
                    startup_gain[hit] = _STARTUP_GAIN
                if startup.any():
                    startup_gain[startup] -= gain_step
                    startup &= startup_gain > gain
                    gain_k = np.where(startup, startup_gain, gain)
            # Gravity from the quaternion, scaled by 0.5 (HalfGravity, NWU):
            # (x·z - w·y, y·z + w·x, (w·w - 0.5) + z·z).
            pw = q[0] * q  # w·w, w·x, w·y, w·z
            pz = q[3] * q[1:]  # z·x, z·y, z·z
            np.subtract(pz[0], pw[2], out=half_grav[0])
            np.add(pz[1], pw[1], out=half_grav[1])
            np.add(pw[0] - half, pz[2], out=half_grav[2])
            # Residual(normalised accelerometer, half gravity): their cross
            # product, normalised where they are 90° or more apart.
            p = acc6[k - k0] * half_grav[cross_h]
            r = p[0::2] - p[1::2]
            # Sums over the first axis of a (3, lanes) array run row after row:
            # (d[0] + d[1]) + d[2], the same bits, one call.
            dot = np.add.reduce(acc[k - k0] * half_grav, axis=0)
            # min is NaN if any is (then wide, as ~(NaN > 0) is): one call
            # instead of a comparison, a negation and any() on most steps.
            if not dot.min() > 0:
                wide = ~(dot > 0)
                rr = r * r
                n2 = (rr[0] + rr[1]) + rr[2]
                with np.errstate(divide="ignore"):
                    r *= np.where(wide, np.where(n2 != 0, f32(1.0) / np.sqrt(n2), f32(0.0)), f32(1.0))
            v = (g[k - k0] + r * gain_k) * dt
            p = (q[:, None] * v).reshape(12, n_lanes)[prod_qv]
            p = p.reshape(4, 3, n_lanes) * signs
            q += np.add.reduce(p, axis=1)  # (p[:, 0] + p[:, 1]) + p[:, 2]
            q *= f32(1.0) / np.sqrt(np.add.reduce(q * q, axis=0))  # ((w² + x²) + y²) + z²
            if zeroed is not None and startup.any():
                _zero_heading(q, startup)
                zeroed[ib[startup, k - k0][own[startup, k]]] = True
            out[k - k0] = q
            ts = captures.get(k)
            if ts is not None:
                warm_q[ts] = q[:, lane[ts]].T
        sel = own[:, k0:k1]
        quat[ib[sel]] = out.transpose(2, 0, 1)[sel]
    return warm_q, zeroed


def _zero_heading(q: np.ndarray, lanes: np.ndarray) -> None:
    """Fusion's ``FusionAhrsSetHeading(ahrs, 0)`` on the (4, lanes) float32 ``q`` where ``lanes``."""
    w, x, y, z = q[:, lanes]
    half_yaw = _F32(0.5) * np.arctan2(w * z + x * y, (_F32(0.5) - y * y) - z * z)
    c, s = np.cos(half_yaw), -np.sin(half_yaw)
    q[:, lanes] = np.stack([c * w - s * z, c * x - s * y, c * y + s * x, c * z + s * w])


def _headings(q: np.ndarray) -> np.ndarray:
    """Heading (rad) of (w, x, y, z) rows: the turn about earth z that :func:`_tilt_quaternions` leaves out.

    A sensor-to-earth rotation is a turn ψ about earth z after the
    shortest tilt, whose quaternion has no z part and w = cos(tilt/2) > 0;
    the product's w and z are cos(ψ/2)·cos(tilt/2) and sin(ψ/2)·cos(tilt/2).
    """
    q = np.asarray(q, dtype=float)
    return 2 * np.arctan2(q[..., 3], q[..., 0])


def _turn_about_z(quat: np.ndarray, psi: float) -> np.ndarray:
    """``quat`` rows turned by ``psi`` (rad) about earth z (left-multiplied), in float64."""
    q = quat.astype(float)
    c, s = np.cos(psi / 2), np.sin(psi / 2)
    return np.column_stack([c * q[:, 0] - s * q[:, 3], c * q[:, 1] - s * q[:, 2],
                            c * q[:, 2] + s * q[:, 1], c * q[:, 3] + s * q[:, 0]])


def _join_headings(quat: np.ndarray, parts, chunks, warm_q: np.ndarray, zeroed: np.ndarray | None) -> None:
    """Turn each chunk and filled rest of ``quat`` about earth z so that the heading runs on (in place).

    ``parts`` as built by :meth:`OrientationFilter.estimate`, ``chunks`` and
    ``warm_q`` as :func:`_fusion_chunks` takes and returns them. A chunk
    after the first of its stretch takes the heading of the sample before
    it (already joined) at the end of its warm-up; a filled rest the
    heading of the sample before it; the stretch after a rest the rest's;
    a segment starts at the accelerometer's tilt, heading 0, as imufusion
    does. Samples a start-up held at heading 0 stay as they are.
    """
    t = 0
    psi = 0.0
    for p0, p1, filled, first in parts:
        if first:
            psi = 0.0
        if filled:
            psi = float(_headings(quat[p0 - 1]))
            quat[p0:p1] = _turn_about_z(quat[p0:p1], psi)
            continue
        while t < len(chunks) and chunks[t][0] < p1:
            a, b = chunks[t][:2]
            if a > p0:
                psi = float(_headings(quat[a - 1]) - _headings(warm_q[t]))
                # q and -q are one rotation: keep the sign the sample before has, as the filter would.
                if float(_turn_about_z(warm_q[t][None], psi)[0] @ quat[a - 1]) < 0:
                    psi += 2 * np.pi
            stop = b if zeroed is None or not zeroed[a:b].any() else a + int(np.argmax(zeroed[a:b]))
            if psi != 0.0 and stop > a:
                quat[a:stop] = _turn_about_z(quat[a:stop], psi)
            t += 1


def _stepper(ahrs):
    """One filter step as a function of (gyro row, accelerometer row), returning the quaternion's bytes.

    ``map`` over it costs 0.6-0.7 µs a sample against 0.75-1.0 µs for a
    for-loop over the rows (100 000 samples, the same quaternions).
    """
    update, get_q = ahrs.update_no_magnetometer, ahrs.get_quaternion

    def step(g_row, a_row):
        update(g_row, a_row)
        return get_q().tobytes()

    return step


def _gravity_and_earth_acc(quat: np.ndarray, acc_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up in the sensor frame, and acceleration without gravity in the earth frame.

    What imufusion's ``get_gravity`` / ``get_earth_acceleration`` return
    (NWU convention), for all samples at once.

    Parameters
    ----------
    quat : ndarray, shape (n, 4)
        Sensor-to-earth (w, x, y, z).
    acc_g : ndarray, shape (n, 3)
        Accelerometer (g), sensor frame.

    Returns
    -------
    gravity : ndarray, shape (n, 3)
        Unit up vector, sensor frame.
    earth_acc : ndarray, shape (n, 3)
        ``R · a − ẑ`` (g), earth frame.
    """
    w, x, y, z = quat.T
    grav = _up_vectors(quat)
    r = np.empty((len(quat), 3, 3))
    r[:, 0, 0] = 1 - 2 * (y * y + z * z)
    r[:, 0, 1] = 2 * (x * y - w * z)
    r[:, 0, 2] = 2 * (x * z + w * y)
    r[:, 1, 0] = 2 * (x * y + w * z)
    r[:, 1, 1] = 1 - 2 * (x * x + z * z)
    r[:, 1, 2] = 2 * (y * z - w * x)
    r[:, 2] = grav
    earth = np.einsum("nij,nj->ni", r, acc_g)
    earth[:, 2] -= 1.0
    return grav, earth


def _up_vectors(quat: np.ndarray) -> np.ndarray:
    """Up in the sensor frame ((n, 3), unit) for sensor-to-earth (w, x, y, z) rows: the rotation's third row."""
    w, x, y, z = quat.T
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z])


def _tilt_quaternion(acc: np.ndarray) -> np.ndarray:
    """(w, x, y, z) rotating the measured up vector (one row) onto earth z."""
    return _tilt_quaternions(np.asarray(acc, dtype=float)[None, :])[0]


def _quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product of (w, x, y, z) quaternions (broadcasting over rows)."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack([pw * qw - px * qx - py * qy - pz * qz, pw * qx + px * qw + py * qz - pz * qy,
                     pw * qy - px * qz + py * qw + pz * qx, pw * qz + px * qy - py * qx + pz * qw], axis=-1)


def _tilt_quaternions(up: np.ndarray) -> np.ndarray:
    """Rows of (w, x, y, z) turning each up vector (sensor frame, (m, 3)) onto earth z, shortest way."""
    norm = np.linalg.norm(up, axis=1, keepdims=True)
    up = up / np.where(norm > 0, norm, 1.0)  # no measurement at all: taken as "no turn known"
    s = np.hypot(up[:, 0], up[:, 1])
    half = np.arctan2(s, up[:, 2]) / 2
    k = np.sin(half) / np.where(s > 1e-9, s, 1.0)
    # axis = up × z = (up_y, -up_x, 0) / s
    q = np.column_stack([np.cos(half), k * up[:, 1], -k * up[:, 0], np.zeros(len(up))])
    flat = s <= 1e-9  # up along ±z: no turn, or half a turn about x (as _tilt_quaternion)
    q[flat] = np.where(up[flat, 2:3] > 0, [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0])
    return q


def _rest_quaternions(q_before: np.ndarray, acc: np.ndarray, window: int) -> np.ndarray:
    """Orientation through a rest from the accelerometer, keeping the heading of ``q_before``.

    ``q_before`` (w, x, y, z) is the filter's last estimate before the rest;
    ``acc`` (m, 3) the rest's accelerometer (any unit). The tilt is that of
    the accelerometer averaged over ``window`` samples; the heading is the
    turn about earth z that takes the tilt-only quaternion of ``q_before``'s
    up vector onto ``q_before``.
    """
    tilt_before = _tilt_quaternions(_up_vectors(q_before[None, :]))[0]
    heading = _quat_mul(q_before, tilt_before * [1, -1, -1, -1])
    from scipy.ndimage import uniform_filter1d

    up = uniform_filter1d(acc, window, axis=0, mode="nearest")
    return _quat_mul(heading, _tilt_quaternions(up)).astype(np.float32)
