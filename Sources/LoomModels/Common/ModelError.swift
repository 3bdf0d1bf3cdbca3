import Foundation

/// Everything that can go wrong loading, saving or training a model, worded for the person at the terminal.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingFile(URL)
    /// The model folder itself does not exist.
    case missingModel(URL)
    /// An output path that Loom refuses to write, and why.
    case refusedOutput(URL, reason: String)
    /// Training stopped because the loss exploded (finite but far above where it started).
    case diverged(step: Int, epoch: Int, loss: Double, limit: Double, learningRate: Float)
    case corruptFile(URL, reason: String)
    case newerFormat(URL, found: Int, supported: Int)
    case wrongModelKind(URL, found: String, expected: String)
    case mismatch(URL, reason: String)
    case invalidData(String)
    case invalidOption(String)
    case nonFiniteLoss(step: Int, epoch: Int, learningRate: Float)
    case io(URL, reason: String)

    /// Throws `invalidOption(message)` unless `condition` holds: the one form of every options check.
    static func requireOption(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ModelError.invalidOption(message()) }
    }

    /// A rating (regression) model given to something that needs classes: a usage error.
    public static func predictsRatings(what: String) -> ModelError {
        .invalidOption("this model predicts a rating (--task regression), not classes; \(what) needs a classifier")
    }

    public var description: String {
        switch self {
        case .missingFile(let url):
            return "\(url.path): file not found"
        case .missingModel(let url):
            return "\(url.path): model folder not found"
        case .refusedOutput(let url, let reason):
            return "\(url.path): refusing to write here: \(reason)"
        case .diverged(let step, let epoch, let loss, let limit, let learningRate):
            return "training diverged at step \(step) (epoch \(epoch)): the loss reached \(String(format: "%.4g", loss)), above the limit of \(String(format: "%.4g", limit)) (see docs/ERRORS.md); training stopped and the last good model was kept. Try a lower learning rate (now \(learningRate)), e.g. --learning-rate \(learningRate / 10)."
        case .corruptFile(let url, let reason):
            return "\(url.path): corrupt or unreadable: \(reason)"
        case .newerFormat(let url, let found, let supported):
            return "\(url.path): written by a newer Loom (format version \(found); this build reads up to \(supported)). Upgrade Loom to load it."
        case .wrongModelKind(let url, let found, let expected):
            return "\(url.path): this is a \(found) model, but a \(expected) model is needed here"
        case .mismatch(let url, let reason):
            return "\(url.path): \(reason)"
        case .invalidData(let reason):
            return reason
        case .invalidOption(let reason):
            return reason
        case .nonFiniteLoss(let step, let epoch, let learningRate):
            return "the loss became NaN or infinite at step \(step) (epoch \(epoch)); training stopped and the last good model was kept. Try a lower learning rate (now \(learningRate)), e.g. --learning-rate \(learningRate / 4), or a smaller --clip."
        case .io(let url, let reason):
            return "\(url.path): \(reason)"
        }
    }
}
