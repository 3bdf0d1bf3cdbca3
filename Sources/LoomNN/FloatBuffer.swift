/// A raw Float32 buffer owned by a layer, for caches and scratch space in hot loops.
///
/// Swift arrays inside a class would need `withUnsafe…` closures (and exclusivity checks) at every access,
/// and copy-on-write could copy a cache by accident. A `FloatBuffer` is just memory: it grows when a larger
/// batch or sequence arrives and is reused otherwise, so the time loop never allocates. The memory is
/// aligned to a cache line (64 bytes), so 64-byte vector loads never straddle two lines.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = Self.allocate(capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    /// Makes room for `count` elements. Contents are unspecified after growing.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = Self.allocate(capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    /// Sets the first `count` elements to `value`.
    func fill(_ value: Float, count: Int) {
        pointer.update(repeating: value, count: count)
    }

    /// Copies `count` elements from `source`.
    func copy(from source: UnsafePointer<Float>, count: Int) {
        pointer.update(from: source, count: count)
    }

    /// The first `count` elements as an array.
    func array(count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
