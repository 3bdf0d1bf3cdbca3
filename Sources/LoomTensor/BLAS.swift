import COpenBLAS

/// The BLAS library Loom runs its matrix products on, and which of its kernels is active.
public enum BLAS {
    /// Loads OpenBLAS if needed. Returns a description of the failure, or nil when it loaded.
    @discardableResult
    public static func load() -> String? {
        if loom_blas_load() == 0 { return nil }
        return loom_blas_error().map { String(cString: $0) } ?? "OpenBLAS could not be loaded"
    }

    /// The active OpenBLAS kernel, e.g. `Cooperlake`.
    public static var coreName: String { String(cString: loom_blas_core_name()) }

    /// OpenBLAS's build configuration.
    public static var configuration: String { String(cString: loom_blas_config()) }

    /// Who chose the kernel: `user` (OPENBLAS_CORETYPE was set), `loom` (from CPU features) or `openblas`.
    public static var coreSource: String { String(cString: loom_blas_core_source()) }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(loom_blas_get_threads()) }
        set { loom_blas_set_threads(Int32(newValue)) }
    }

    /// One line for `--version` and benchmark reports.
    public static var summary: String {
        if let failure = load() { return "BLAS: unavailable (\(failure)); using a slow reference loop" }
        return "BLAS: \(configuration.split(separator: " ").prefix(2).joined(separator: " ")), core \(coreName) (chosen by \(coreSource)), \(threads) threads"
    }

    /// Row-major `C = alpha·op(A)·op(B) + beta·C` where op(A) is m×k and op(B) is k×n.
    @inline(__always)
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        loom_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                   b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major `y = alpha·op(A)·x + beta·y` where A is m×n.
    @inline(__always)
    public static func sgemv(transposeA: Bool, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        loom_sgemv(transposeA ? 1 : 0, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
