"""Vectorised rotations as unit quaternions (numpy), the subset of
``scipy.spatial.transform.Rotation`` the generator uses, with the same
conventions (scalar-last ``as_quat``, ``(a * b).apply(v) = a.apply(b.apply(v))``).

Why not scipy's Rotation: on this machine (scipy 1.17) its products cost
about 5 µs per element, which made a 10-minute session take 15 s; these
numpy expressions are some 50× faster.
"""
from __future__ import annotations

import numpy as np


class Q:
    """Rotations as quaternions ``q`` of shape (n, 4), (w, x, y, z);
    ``single`` marks one rotation (indexing a Q with an int gives one)."""

    __slots__ = ("q", "single")

    def __init__(self, q, single=False):
        self.q = np.atleast_2d(np.asarray(q, float))
        self.single = single

    # -------------------------------------------------------- constructors
    @classmethod
    def identity(cls):
        return cls([1.0, 0.0, 0.0, 0.0], single=True)

    @classmethod
    def from_quat(cls, xyzw):
        a = np.asarray(xyzw, float)
        q = np.concatenate([a[..., 3:4], a[..., :3]], axis=-1)
        q = q / np.linalg.norm(q, axis=-1, keepdims=True)
        return cls(q, single=a.ndim == 1)

    @classmethod
    def from_rotvec(cls, rv, degrees=False):
        rv = np.asarray(rv, float)
        single = rv.ndim == 1
        rv = np.atleast_2d(rv)
        if degrees:
            rv = np.deg2rad(rv)
        ang = np.linalg.norm(rv, axis=1)
        half = 0.5 * ang
        # sin(a/2)/a, with its series near 0
        k = np.where(ang > 1e-8, np.sin(half) / np.where(ang > 1e-8, ang, 1.0),
                     0.5 - ang * ang / 48.0)
        q = np.column_stack([np.cos(half), rv * k[:, None]])
        return cls(q, single)

    @classmethod
    def from_euler(cls, seq, angles, degrees=False):
        """Intrinsic (upper-case ``seq``) or single-axis (``'x'``, ``'y'``,
        ``'z'``) rotations."""
        angles = np.asarray(angles, float)
        if len(seq) == 1:
            single = angles.ndim == 0
            angles = np.atleast_1d(angles)
            rv = np.zeros((len(angles), 3))
            rv[:, "xyz".index(seq.lower())] = angles
            out = cls.from_rotvec(rv, degrees)
            out.single = single
            return out
        single = angles.ndim == 1
        angles = np.atleast_2d(angles)
        out = None
        for i, axis in enumerate(seq):
            r = cls.from_euler(axis.lower(), angles[:, i], degrees)
            out = r if out is None else out * r        # intrinsic: right-multiply
        out.single = single
        return out

    @classmethod
    def from_matrix(cls, m):
        from scipy.spatial.transform import Rotation   # few matrices: speed is moot
        return cls.from_quat(Rotation.from_matrix(m).as_quat())

    @classmethod
    def random(cls, rng):
        q = rng.standard_normal(4)
        return cls(q / np.linalg.norm(q), single=True)

    # ------------------------------------------------------------ algebra
    def __len__(self):
        return len(self.q)

    def __getitem__(self, i):
        return Q(self.q[i], single=np.ndim(i) == 0 and not isinstance(i, slice))

    def __mul__(self, other):
        a, b = self.q, other.q
        w1, x1, y1, z1 = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
        w2, x2, y2, z2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        q = np.column_stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
                             w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                             w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                             w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])
        return Q(q, self.single and other.single)

    def inv(self):
        return Q(self.q * np.array([1.0, -1.0, -1.0, -1.0]), self.single)

    def apply(self, v):
        v = np.asarray(v, float)
        single_v = v.ndim == 1
        v = np.atleast_2d(v)
        w, u = self.q[:, :1], self.q[:, 1:]
        t = 2.0 * _cross(u, v)
        out = v + w * t + _cross(u, t)
        return out[0] if (single_v and self.single) else out

    def as_quat(self):
        q = np.column_stack([self.q[:, 1:], self.q[:, :1]])
        return q[0] if self.single else q

    def as_rotvec(self):
        q = self.q * np.where(self.q[:, :1] < 0, -1.0, 1.0)     # shortest arc
        s = np.linalg.norm(q[:, 1:], axis=1)
        ang = 2.0 * np.arctan2(s, q[:, 0])
        k = np.where(s > 1e-12, ang / np.where(s > 1e-12, s, 1.0), 2.0)
        rv = q[:, 1:] * k[:, None]
        return rv[0] if self.single else rv

    def as_matrix(self):
        w, x, y, z = self.q.T
        m = np.stack([np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
                      np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
                      np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1)],
                     axis=1)
        return m[0] if self.single else m

    @staticmethod
    def concatenate(rs):
        return Q(np.concatenate([r.q for r in rs]))


def _cross(a, b):
    """Row-wise cross product of (n, 3) arrays (broadcasting (1, 3)); numpy's
    np.cross is several times slower on long arrays."""
    return np.column_stack([a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
                            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]])
