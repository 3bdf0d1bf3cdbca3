import LoomTensor

/// A xoshiro256** stream seeded from four draws of a `SeededGenerator`, with its state in plain
/// stored properties instead of an array, for the per-element draws of dropout masks.
///
/// Determinism is unchanged: the stream is a pure function of the generator's state, and the
/// generator advances by exactly four draws per stream, whatever the stream's length.
struct FastRandomStream {
    private var s0, s1, s2, s3: UInt64

    init(drawingFrom rng: inout SeededGenerator) {
        s0 = rng.next(); s1 = rng.next(); s2 = rng.next(); s3 = rng.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // xoshiro's one forbidden state
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    @inline(__always)
    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
