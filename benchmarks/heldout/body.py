"""Body model of the held-out generator: foot and shank as rigid segments.

Written from the recording/analysis contracts and the exercise descriptions
only (see README.md here). Every movement is built on a 500 Hz body grid as

- ``foot``, ``shank``: world-from-segment rotations (segment frames as in the
  contract: foot x heel→toe, y left, z up out of the instep when standing
  flat; shank x forward, y left, z up along the shank toward the knee);
- ``origin``: the world position (m) of the ball of the foot;
- ``impact``: extra world acceleration (m/s²) of the foot at ground contacts.

Sensor positions follow from the segment rotations and fixed lever arms, so
the sensor model differentiates a consistent rigid-body motion: rotations
about the ball (toe press, heel raise, tiptoe stance), the ankle (band,
circles) or the knee/hip (leg lifts) give the right tangential and
centripetal accelerations by construction.

World frame: z up, heading h is the direction the person faces (yaw, deg).
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator
from .quat import Q as Rot

FS = 500.0    # body grid, Hz (above the fastest device rate, 400 Hz)
G = 9.81

# Lever arms (m) in the foot frame, from the ball of the foot.
R_INSTEP = np.array([-0.07, 0.0, 0.045])
R_ANKLE = np.array([-0.15, 0.0, 0.075])
R_HEEL = np.array([-0.19, 0.0, 0.0])
# Shank sensor in the shank frame, from the ankle joint.
R_SHANK_SENSOR = np.array([0.035, 0.0, 0.09])
SHANK_LEN = 0.42
LEG_LEN = 0.88


def minjerk(u):
    """Minimum-jerk 0→1 profile; zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10.0 - 15.0 * u + 6.0 * u * u)


def bump(u):
    """Smooth 0→1→0 bump on u ∈ [0, 1] (peak 1 at u = 0.5)."""
    u = np.clip(u, 0.0, 1.0)
    return 64.0 * u ** 3 * (1.0 - u) ** 3


def eul(yaw, pitch, roll):
    """Intrinsic Z-Y-X rotation (deg): Rz(yaw)·Ry(pitch)·Rx(roll)."""
    a = np.broadcast_arrays(np.asarray(yaw, float), np.asarray(pitch, float),
                            np.asarray(roll, float))
    return Rot.from_euler("ZYX", np.stack(a, axis=-1), degrees=True)


def heading_rot(h_deg, rv):
    """World rotation by rotation vectors ``rv`` (rad, (n, 3)) expressed in the
    heading frame (x forward, y left, z up of a person facing ``h_deg``)."""
    hz = Rot.from_euler("z", h_deg, degrees=True)
    return hz * Rot.from_rotvec(np.atleast_2d(rv)) * hz.inv()


def smooth_noise(rng, n, cutoff_hz, rms, dims=3, taper_s=0.25):
    """Band-limited noise on the body grid: random knots every 1/(2·cutoff) s
    joined by a C² spline, scaled to ``rms`` and tapered to zero at both ends
    (pieces meet at rest)."""
    if n < 4 or rms <= 0:
        return np.zeros((n, dims))
    step = max(int(FS / (2.0 * cutoff_hz)), 2)
    knots = np.arange(0, n + step, step)
    vals = rng.standard_normal((len(knots), dims))
    y = CubicSpline(knots, vals, axis=0)(np.arange(n))
    y *= rms / max(np.sqrt(np.mean(y ** 2)), 1e-9)
    k = min(int(taper_s * FS), n // 2)
    if k > 1:
        w = minjerk(np.arange(k) / k)
        y[:k] *= w[:, None]
        y[n - k:] *= w[::-1, None]
    return y


def pchip(times, values, t):
    """Shape-preserving interpolation of keyframes (no overshoot), held flat
    outside the keyframes."""
    times = np.asarray(times, float)
    values = np.asarray(values, float)
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    keep = np.concatenate([[True], np.diff(times) > 1e-3])
    times, values = times[keep], values[keep]
    if len(times) < 2:
        return np.full_like(t, values[0] if len(values) else 0.0)
    # flat keyframes beyond both ends: PCHIP then starts and ends with zero
    # slope, so a piece begins and ends at rest (no angular-rate step)
    times = np.concatenate([[times[0] - 1.0], times, [times[-1] + 1.0]])
    values = np.concatenate([values[:1], values, values[-1:]])
    return PchipInterpolator(times, values, axis=0, extrapolate=False)(
        np.clip(t, times[0], times[-1]))


class Body:
    """Accumulates body-grid pieces and the truth events of one session.

    Parameters
    ----------
    rng : numpy Generator
    person : dict of anatomical/habit parameters (see ``session.person``).
    """

    def __init__(self, rng, person):
        self.rng = rng
        self.p = person
        self.heading = float(rng.uniform(0, 360))
        self.posture = "stand"
        self.foot, self.shank = self.rest_pose("stand")
        self.pos = np.zeros(3)
        self.parts = []
        self.n = 0
        self.bouts = []
        self.distractors = []
        self.stances = []

    # ------------------------------------------------------------ bookkeeping
    @property
    def t(self):
        return self.n / FS

    def _append(self, foot, shank, origin, impact=None):
        n = len(origin)
        origin = origin - origin[0] + self.pos
        if impact is None:
            impact = np.zeros((n, 3))
        self.parts.append((foot.as_quat(), shank.as_quat(), origin, impact))
        self.pos = origin[-1].copy()
        self.foot, self.shank = foot[-1], shank[-1]
        self.n += n

    def _grid(self, duration_s):
        n = max(int(round(duration_s * FS)), 2)
        return n, np.arange(n) / FS

    def arrays(self):
        """(foot Rotation, shank Rotation, origin (N,3), impact (N,3))."""
        fq = np.concatenate([p[0] for p in self.parts])
        sq = np.concatenate([p[1] for p in self.parts])
        org = np.concatenate([p[2] for p in self.parts])
        imp = np.concatenate([p[3] for p in self.parts])
        return Rot.from_quat(fq), Rot.from_quat(sq), org, imp

    # ---------------------------------------------------------------- postures
    def rest_pose(self, posture):
        """World-from-segment rotations (foot, shank) of a resting posture."""
        p, h = self.p, self.heading
        yaw = h + p["toe_out_deg"]
        # toe-out turns the foot, not the shank (the knee faces the heading), so
        # the shank frame's AP/ML are the person's: sway truth is frame-free
        if posture == "stand":
            shank = eul(h, p["stand_shank_deg"], p["stand_shank_roll_deg"])
            foot = eul(yaw, 0.0, p["stand_foot_roll_deg"])
        elif posture == "chair":
            shank = eul(h, p["chair_shank_deg"], 0.0)
            foot = eul(yaw, p["chair_foot_deg"], p["stand_foot_roll_deg"])
        elif posture == "floor":          # long sitting, legs extended
            shank = eul(h, -90.0 + p["floor_knee_deg"], 0.0) * Rot.from_euler(
                "z", p["floor_ext_deg"], degrees=True)
            foot = shank * Rot.from_euler("y", p["floor_plantar_deg"], degrees=True)
        elif posture == "lie":            # supine, legs on the floor
            shank = eul(h, -90.0, 0.0) * Rot.from_euler("z", p["lie_ext_deg"], degrees=True)
            foot = shank * Rot.from_euler("y", p["lie_plantar_deg"], degrees=True)
        elif posture == "lie_raised":     # supine, leg raised for circles
            shank = eul(h, -90.0 - p["raise_deg"], 0.0) * Rot.from_euler(
                "z", p["raise_ext_deg"], degrees=True)
            foot = shank * Rot.from_euler("y", p["raise_plantar_deg"], degrees=True)
        elif posture == "hook":           # supine, knee bent up, foot flat on the floor
            shank = eul(yaw, -p["hook_deg"], 0.0)
            foot = eul(yaw, 0.0, p["stand_foot_roll_deg"])
        elif posture == "side_lie":
            shank = eul(h, -90.0, 0.0) * Rot.from_euler("z", 90.0, degrees=True)
            foot = shank * Rot.from_euler("y", 30.0, degrees=True)
        elif posture == "prone":
            shank = eul(h, -90.0, 0.0) * Rot.from_euler("z", 180.0, degrees=True)
            foot = shank * Rot.from_euler("y", 60.0, degrees=True)
        elif posture == "bench":          # split squat: rear foot's laces on a bench,
            shank = eul(yaw, 115.0, 0.0)  # the knee below and in front of the ankle
            foot = eul(yaw, 125.0, 0.0)
        else:
            raise ValueError(posture)
        return foot, shank

    # ------------------------------------------------------------- primitives
    def move_to(self, posture, duration_s, disp=(0.0, 0.0, 0.0), lift_m=0.05,
                via_deg=20.0, kind=None):
        """Smooth transition to ``posture`` (or to given rotations) through a
        random intermediate pose; displacement ``disp`` in the heading frame."""
        n, t = self._grid(duration_s)
        u = minjerk(t / t[-1])
        f1, s1 = self.rest_pose(posture) if isinstance(posture, str) else posture
        b = bump(t / t[-1])[:, None]
        via_f = self.rng.normal(0, np.deg2rad(via_deg) / 2, 3)
        via_s = self.rng.normal(0, np.deg2rad(via_deg) / 2, 3)
        foot = _slerp(self.foot, f1, u) * Rot.from_rotvec(b * via_f)
        shank = _slerp(self.shank, s1, u) * Rot.from_rotvec(b * via_s)
        hz = Rot.from_euler("z", self.heading, degrees=True)
        d = hz.apply(np.asarray(disp, float))
        origin = u[:, None] * d[None, :] + b * np.array([0, 0, lift_m])
        t0 = self.t
        self._append(foot, shank, origin)
        if isinstance(posture, str):
            self.posture = posture
        if kind:
            self.distractors.append({"kind": kind, "start_s": t0, "end_s": self.t})

    def turn(self, delta_deg, duration_s=1.2):
        """Turn on the spot (pivot on the ball of the foot, small lift)."""
        n, t = self._grid(duration_s)
        u = minjerk(t / t[-1])
        hz = Rot.from_rotvec(np.outer(u, [0, 0, np.deg2rad(delta_deg)]))
        foot = hz * self.foot
        shank = hz * self.shank
        origin = bump(t / t[-1])[:, None] * np.array([0, 0, 0.03])
        self._append(foot, shank, origin)
        self.heading += delta_deg

    def still(self, duration_s, tremor_deg=0.1, sway=None, stance=False, kind=None):
        """Rest in the current posture. ``sway=(ap_deg, ml_deg, cutoff_hz)``
        sways the shank as an inverted pendulum about the ankle (foot still);
        ``stance`` records a quiet-standing truth entry with the shank's true
        inclination RMS."""
        n, t = self._grid(duration_s)
        rng = self.rng
        wf = smooth_noise(rng, n, 3.0, np.deg2rad(tremor_deg))
        ws = smooth_noise(rng, n, 3.0, np.deg2rad(tremor_deg))
        foot = self.foot * Rot.from_rotvec(wf * 0.3)
        if sway is not None:
            ap, ml, fc = sway
            s_ap = smooth_noise(rng, n, fc, np.deg2rad(ap), dims=1, taper_s=1.0)[:, 0]
            s_ml = smooth_noise(rng, n, fc * rng.uniform(0.7, 1.3), np.deg2rad(ml), dims=1,
                                taper_s=1.0)[:, 0]
            w = heading_rot(self.heading, np.column_stack([s_ml, s_ap, np.zeros(n)]))
            shank = w * self.shank * Rot.from_rotvec(ws * 0.2)
        else:
            shank = self.shank * Rot.from_rotvec(ws)
        t0 = self.t
        self._append(foot, shank, np.zeros((n, 3)))
        if stance:
            entry = {"start_s": t0, "end_s": self.t,
                     "sway_rms_ap_deg": None, "sway_rms_ml_deg": None}
            if self.p["placement"] == "ankle":
                ap_t, ml_t = inclination(shank, self.heading)
                entry["sway_rms_ap_deg"] = float(np.std(ap_t))
                entry["sway_rms_ml_deg"] = float(np.std(ml_t))
            self.stances.append(entry)
        if kind:
            self.distractors.append({"kind": kind, "start_s": t0, "end_s": self.t})

    def fidget(self, duration_s, amp_deg=6.0, move_m=0.03, kind="fidget", taps=False):
        """Restless small movements of foot and leg (seated, lying or standing)."""
        n, t = self._grid(duration_s)
        rng = self.rng
        wf = smooth_noise(rng, n, rng.uniform(0.7, 3.0), np.deg2rad(amp_deg))
        ws = smooth_noise(rng, n, rng.uniform(0.3, 1.5), np.deg2rad(amp_deg) * 0.5)
        if taps:   # foot taps: 2–4 Hz pitch bursts about the heel
            f = rng.uniform(2.0, 4.0)
            env = minjerk((smooth_noise(rng, n, 0.3, 1.0, dims=1)[:, 0] - 0.2) / 0.4)
            wf[:, 1] += np.deg2rad(amp_deg) * env * np.sin(2 * np.pi * f * t)
        foot = self.foot * Rot.from_rotvec(wf)
        shank = self.shank * Rot.from_rotvec(ws)
        origin = smooth_noise(rng, n, 0.8, move_m)
        t0 = self.t
        self._append(foot, shank, origin)
        if kind:
            self.distractors.append({"kind": kind, "start_s": t0, "end_s": self.t})

    def rock(self, duration_s, period_s, amp_deg, kind=None):
        """The shank rocked about the ankle at ``period_s`` (the body moved by
        the other leg's circles); the foot stays where it is."""
        n, t = self._grid(duration_s)
        env = minjerk(t / 1.0) * minjerk((t[-1] - t) / 1.0)
        ph = 2 * np.pi * t / period_s
        rv = np.deg2rad(amp_deg) * env[:, None] * np.column_stack(
            [np.sin(ph), 0.5 * np.cos(ph), np.zeros(n)])
        shank = heading_rot(self.heading, rv) * self.shank
        foot = self.foot * Rot.from_rotvec(0.1 * rv)
        t0 = self.t
        self._append(foot, shank, np.zeros((n, 3)))
        if kind:
            self.distractors.append({"kind": kind, "start_s": t0, "end_s": self.t})

    def excursion(self, rise_s, hold_s, release_s, foot_rv_deg=(0, 0, 0),
                  shank_rv_deg=(0, 0, 0), shank_pivot="ankle", foot_pivot="ball",
                  frac=1.0, drift=0.05, tremor_deg=0.15, lift_m=0.0):
        """Go to a held position and back (one rep or one look-alike).

        ``foot_rv_deg``: rotation vector (deg) of the foot in its own frame at
        the held position; ``shank_rv_deg``: rotation of the shank in the
        heading frame, about the ankle (``shank_pivot='ankle'``, the foot then
        stays) or about the knee/hip (the foot is carried along). ``frac`` < 1
        makes an aborted rep. Returns (start, hold start, hold end, end) in s.
        """
        rng = self.rng
        n, t = self._grid(rise_s + hold_s + release_s)
        t1, t2 = rise_s, rise_s + hold_s
        a = np.where(t < t1, minjerk(t / rise_s), 1.0)
        a = np.where(t > t2, 1.0 - minjerk((t - t2) / release_s), a)
        hold = (t >= t1) & (t <= t2)
        if hold_s > 0.3:
            dr = smooth_noise(rng, n, 0.3, drift, dims=1, taper_s=0.0)[:, 0]
            dr -= dr[np.argmax(hold)] if hold.any() else 0.0
            a = a + np.where(hold, dr * minjerk((t - t1) / 0.5) * minjerk((t2 - t) / 0.5), 0.0)
        trem = smooth_noise(rng, n, 4.0, np.deg2rad(tremor_deg)) * (0.3 + 0.7 * a[:, None] / max(frac, 1e-3))
        a = a * frac
        w = heading_rot(self.heading, np.outer(a, np.deg2rad(shank_rv_deg)))
        shank = w * self.shank * Rot.from_rotvec(trem * 0.5)
        local = Rot.from_rotvec(np.outer(a, np.deg2rad(foot_rv_deg)) + trem)
        carried = shank_pivot in ("knee", "hip")
        foot = (w * self.foot * local) if carried else (self.foot * local)
        ankle0 = self.foot.apply(R_ANKLE)
        if carried:
            length = SHANK_LEN if shank_pivot == "knee" else LEG_LEN
            pivot = ankle0 + self.shank.apply([0, 0, length])
            ankle = pivot + w.apply(ankle0 - pivot)
            origin = ankle - foot.apply(R_ANKLE)
        elif foot_pivot == "ankle":
            origin = ankle0 - foot.apply(R_ANKLE)
        else:
            origin = np.zeros((n, 3))
        if lift_m:
            origin = origin + np.outer(a, [0, 0, lift_m])
        t0 = self.t
        self._append(foot, shank, origin)
        return t0, t0 + t1, t0 + t2, self.t

    # ------------------------------------------------------------- gait
    def walk(self, n_strides, kind="walk", stride_s=1.1, duty=0.6, stride_m=1.2,
             swing_h_m=0.07, heel_deg=25.0, cv=0.03, impact_ms2=15.0,
             shank_scale=1.0, step_rise_m=0.0):
        """Walk ``n_strides`` strides of the instrumented foot in a straight line.

        kind 'walk' (heel strike, foot flat, push-off) or 'tiptoe' (forefoot
        contact, heel held up by ``heel_deg`` in stance); ``step_rise_m``
        climbs (+) or descends (−) per stride (stairs). Returns the contact
        times (s): one per stride, the truth strides.
        """
        rng = self.rng
        tip = kind == "tiptoe"
        T = stride_s * (1.0 + cv * rng.standard_normal(n_strides))
        sw = T * (1.0 - duty)
        pre = rng.uniform(0.3, 0.9) if tip else rng.uniform(0.1, 0.4)
        contacts = pre + sw[0] + np.concatenate([[0.0], np.cumsum(T[1:])])
        toe_off = contacts - sw
        stance_last = duty * stride_s * rng.uniform(0.9, 1.1)
        lower = rng.uniform(0.4, 0.9) if tip else 0.25
        total = contacts[-1] + stance_last + lower + 0.3
        n, t = self._grid(total)
        L = stride_m * (1.0 + 0.5 * cv * rng.standard_normal(n_strides))
        L[0] *= 0.5
        prints = np.concatenate([[0.0], np.cumsum(L)])
        rise = np.concatenate([[0.0], np.cumsum(np.full(n_strides, step_rise_m))])
        # foot position: still in stance, min-jerk in swing
        k = np.clip(np.searchsorted(contacts, t, side="right"), 0, n_strides)  # strides done
        kk = np.minimum(k, n_strides - 1)
        u = np.clip((t - toe_off[kk]) / sw[kk], 0.0, 1.0)
        in_swing = (k < n_strides) & (t >= toe_off[kk])
        s = np.where(in_swing, minjerk(u), 0.0)
        x = prints[k] + np.where(in_swing, (prints[kk + 1] - prints[kk]) * s, 0.0)
        hh = swing_h_m * (1.0 + 0.2 * rng.standard_normal(n_strides))
        z = rise[k] + np.where(in_swing, (rise[kk + 1] - rise[kk]) * s + hh[kk] * bump(u), 0.0)
        # foot pitch (deg, + = toes down) keyframes
        H = heel_deg * (1.0 + 0.12 * rng.standard_normal(n_strides))
        kt, kv, st_t, st_v = [0.0], [0.0], [0.0], [0.0]
        shs = shank_scale
        if tip:
            kt += [pre * 0.8]
            kv += [H[0]]
            st_t += [pre * 0.8]
            st_v += [5.0 * shs]
        for i in range(n_strides):
            c, o, Ti = contacts[i], toe_off[i], T[i]
            prev_h = H[i - 1] if i else (H[0] if tip else 0.0)
            if tip:
                kt += [o, o + 0.15 * sw[i], o + 0.5 * sw[i], c, c + 0.5 * duty * Ti]
                kv += [prev_h + 12.0, prev_h + 14.0, 0.55 * H[i], H[i], H[i] + 2.0]
                st_t += [o, o + 0.4 * sw[i], c - 0.15 * sw[i], c, c + 0.5 * duty * Ti]
                st_v += [v * shs for v in (28.0, 30.0, -8.0, -6.0, 8.0)]
            else:
                kt += [o, o + 0.5 * sw[i], c - 0.08 * sw[i], c, c + 0.12 * Ti, c + 0.4 * Ti]
                kv += [(55.0 if i else 35.0), 20.0, -12.0, -18.0, 0.0, 2.0]
                st_t += [o, o + 0.4 * sw[i], c - 0.1 * sw[i], c, c + 0.1 * Ti, c + 0.35 * Ti]
                st_v += [v * shs for v in (45.0, 40.0, -18.0, -20.0, -10.0, 8.0)]
        end_stance = contacts[-1] + stance_last
        kt += [end_stance - 0.05, end_stance + lower]
        kv += [H[-1] if tip else 0.0, 0.0]
        st_t += [end_stance - 0.05, end_stance + lower]
        st_v += [4.0 * shs if tip else 0.0, 0.0]
        pitch = pchip(kt, kv, t)
        sh_pitch = pchip(st_t, st_v, t)
        if not tip:   # toes up (heel strike): the ball is above the heel
            up = 0.5 * (-pitch + np.sqrt(pitch ** 2 + 9.0))   # smooth max(-pitch, 0)
            z = z + 0.19 * np.sin(np.deg2rad(up))
        roll = smooth_noise(rng, n, 2.0, 2.0 if tip else 1.0, dims=1)[:, 0]
        foot = self.foot * eul(0.0, pitch, roll)
        shank = heading_rot(self.heading, np.column_stack([
            np.deg2rad(0.4 * roll), np.deg2rad(sh_pitch), np.zeros(n)])) * self.shank
        hz = Rot.from_euler("z", self.heading, degrees=True)
        origin = hz.apply(np.column_stack([x, np.zeros(n), z]))
        impact = np.zeros((n, 3))
        amp = impact_ms2 * rng.uniform(0.6, 1.4, n_strides)
        tau = 0.012
        for i, c in enumerate(contacts):   # short damped pulses: few strides, cheap
            j0 = int(c * FS)
            seg = np.arange(0, int(0.08 * FS))
            seg = seg[j0 + seg < n]
            ts = seg / FS
            pulse = amp[i] * np.exp(-ts / tau) * np.sin(2 * np.pi * 30.0 * ts + 0.3)
            impact[j0 + seg, 2] += pulse
            impact[j0 + seg] += hz.apply(np.array([-0.4, 0, 0])) * pulse[:, None]
        t0 = self.t
        self._append(foot, shank, origin, impact)
        return t0 + contacts, t0 + end_stance, t0

    def ballistic(self, flight_s, dx_m=0.0, dy_m=0.0, crouch_deg=25.0, land_g=3.0):
        """A hop or jump: crouch, push-off on the forefoot, flight (free fall:
        the accelerometer reads ≈ 0), landing on the forefoot, absorb."""
        rng = self.rng
        crouch = rng.uniform(0.3, 0.6)
        push = rng.uniform(0.12, 0.2)
        land = rng.uniform(0.06, 0.1)
        absorb = rng.uniform(0.3, 0.6)
        total = crouch + push + flight_s + land + absorb
        n, t = self._grid(total)
        tp0, tp1 = crouch, crouch + push
        tl0, tl1 = tp1 + flight_s, tp1 + flight_s + land
        v0 = G * flight_s / 2.0
        in_push = (t >= tp0) & (t < tp1)
        in_fl = (t >= tp1) & (t < tl0)
        in_land = (t >= tl0) & (t < tl1)

        def shape(mask, dur):
            out = np.zeros(n)
            out[mask] = np.sin(np.pi * (t[mask] - t[mask][0]) / dur)
            return out / max(out.sum() / FS, 1e-9)

        sp_, sl_ = shape(in_push, push), shape(in_land, land)
        vel_kick = np.array([dx_m / flight_s, dy_m / flight_s, v0])
        acc = np.outer(sp_, vel_kick)
        acc[in_fl, 2] -= G
        vel = np.cumsum(acc, axis=0) / FS
        acc -= np.outer(sl_, vel[-1])       # the landing brings the foot to rest
        vel = np.cumsum(acc, axis=0) / FS
        posd = np.cumsum(vel, axis=0) / FS
        kt = [0, tp0, tp1, tp1 + 0.3 * flight_s, tl0, tl1, tl1 + 0.6 * absorb, total]
        fp = [0, 0, rng.uniform(25, 40), 15, 10, 5, 0, 0]
        sp = [0, crouch_deg, 10, 0, 5, crouch_deg * 0.8, 5, 0]
        pitch = pchip(kt, fp, t)
        sh = pchip(kt, sp, t)
        foot = self.foot * eul(0, pitch, 0)
        shank = heading_rot(self.heading, np.column_stack([np.zeros(n), np.deg2rad(sh),
                                                          np.zeros(n)])) * self.shank
        hz = Rot.from_euler("z", self.heading, degrees=True)
        origin = hz.apply(posd)
        impact = np.zeros((n, 3))
        j0 = int(tl0 * FS)
        seg = np.arange(0, int(0.06 * FS))
        seg = seg[j0 + seg < n]
        impact[j0 + seg, 2] += land_g * G * np.exp(-seg / FS / 0.01) * np.sin(
            2 * np.pi * 35.0 * seg / FS + 0.3)
        t0 = self.t
        self._append(foot, shank, origin, impact)
        return t0, self.t

    def circles(self, plan, amp_deg, ell, tilt_deg, leg_couple=0.15, speed_mod=0.2,
                wobble_deg=1.0, ramp_s=0.3):
        """Ankle circles with the leg raised.

        ``plan``: list of groups ``(direction, [circle durations], [pauses
        after each circle])`` in order; between groups the foot returns to
        neutral. The toe path is the pitch/yaw ellipse (amp, amp·ell), tilted
        by ``tilt_deg``; ``direction`` follows the contract: ccw when
        (d × ḋ)·x > 0. Returns the truth circles (start, end, direction).
        """
        rng = self.rng
        phase_t, phase_v, env_t, env_v, out = [0.0], [0.0], [0.0], [0.0], []
        sign_t, sign_v = [], []
        tc, ph = 0.3, 0.0
        for g, (direction, durs, pauses) in enumerate(plan):
            env_t += [tc, tc + ramp_s]
            env_v += [0.0, 1.0]
            phase_t.append(tc)
            phase_v.append(ph)
            sign_t.append(tc)
            sign_v.append(1.0 if direction == "ccw" else -1.0)
            for d, pz in zip(durs, pauses):
                out.append([tc, tc + d, direction])
                # uneven speed inside the circle: phase = 2π(u + m sin(2πu)/(2π))
                uu = np.linspace(0, 1, 9)[1:]
                m = speed_mod * rng.uniform(-1, 1)
                phase_t += list(tc + uu * d)
                phase_v += list(ph + 2 * np.pi * uu + m * np.sin(2 * np.pi * uu))
                tc += d
                ph += 2 * np.pi
                if pz > 0:
                    phase_t.append(tc + pz)
                    phase_v.append(ph)
                    tc += pz
            env_t += [tc, tc + ramp_s]
            env_v += [1.0, 0.0]
            tc += ramp_s + (rng.uniform(0.3, 3.0) if g + 1 < len(plan) else 0.3)
        total = tc + 0.2
        n, t = self._grid(total)
        phase = np.interp(t, phase_t, phase_v)
        k = int(0.04 * FS)   # 40 ms smoothing: pauses start and stop without a jolt
        phase = np.convolve(np.pad(phase, (k, k), mode="edge"), np.ones(2 * k + 1) / (2 * k + 1),
                            mode="same")[k:-k]
        env = pchip(env_t, env_v, t)
        idx = np.clip(np.searchsorted(sign_t, t, side="right") - 1, 0, len(sign_t) - 1)
        sgn = np.asarray(sign_v)[idx]
        amp_var = 1.0 + smooth_noise(rng, n, 0.3, 0.12, dims=1, taper_s=0.0)[:, 0]
        A = np.deg2rad(amp_deg) * env * amp_var
        psi = A * ell * np.cos(phase)             # yaw about foot z: toe to the left
        theta = -sgn * A * np.sin(phase)          # pitch about foot y: toe down
        c, s = np.cos(np.deg2rad(tilt_deg)), np.sin(np.deg2rad(tilt_deg))
        psi, theta = c * psi - s * theta, s * psi + c * theta
        local = Rot.from_rotvec(np.column_stack([np.zeros(n), theta, psi]))
        wob = smooth_noise(rng, n, 0.7, np.deg2rad(wobble_deg))
        leg_rv = wob + leg_couple * np.column_stack([-psi, theta, np.zeros(n)])
        w = heading_rot(self.heading, leg_rv)
        foot = w * self.foot * local
        shank = w * self.shank
        ankle0 = self.foot.apply(R_ANKLE)
        hip = ankle0 + self.shank.apply([0, 0, LEG_LEN])
        ankle = hip + w.apply(ankle0 - hip)
        origin = ankle - foot.apply(R_ANKLE)
        t0 = self.t
        self._append(foot, shank, origin)
        return [(t0 + a, t0 + b, d) for a, b, d in out], t0, self.t


def _slerp(r0, r1, u):
    """Rotations from r0 to r1 along the shortest arc, u ∈ [0, 1] (n,)."""
    rv = (r0.inv() * r1).as_rotvec()
    return r0 * Rot.from_rotvec(np.outer(u, rv))


def inclination(shank, heading_deg):
    """Shank long-axis inclination (deg) in the heading frame: (AP, ML)."""
    hz = Rot.from_euler("z", heading_deg, degrees=True)
    zh = (hz.inv() * shank).apply([0.0, 0.0, 1.0])
    ap = np.degrees(np.arctan2(zh[:, 0], zh[:, 2]))
    ml = np.degrees(np.arctan2(zh[:, 1], zh[:, 2]))
    return ap, ml


def toe_direction(foot_neutral, foot):
    """Circle direction sign of a toe path per the contract: the sign of
    (d × ḋ)·x integrated over the path, with d the toe tip's displacement in
    the neutral foot frame and x the forward axis. +1 ccw, −1 cw."""
    tip = (foot_neutral.inv() * foot).apply([0.2, 0.0, 0.0])
    d = tip - np.array([0.2, 0.0, 0.0])
    dd = np.gradient(d, axis=0)
    cross_x = d[:, 1] * dd[:, 2] - d[:, 2] * dd[:, 1]
    return float(np.sign(np.sum(cross_x)))
