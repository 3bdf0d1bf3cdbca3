import Foundation

/// Reads JSON Lines corpora: one object per line with a text and a label (see `LabelledCorpus`).
enum JSONLinesCorpus {
    static func read(_ url: URL, options: CorpusOptions) throws -> CorpusContents {
        let file = try TextFile.read(url, lossy: options.lossy)
        let path = url.path
        let textKey = options.textColumn ?? "text", labelKey = options.labelColumn ?? "label"
        var items: [LabelledText] = []
        for (index, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let trimmed = String(line).trimmingWhitespace()
            if trimmed.isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw TextError.badRecord(path: path, line: number, reason: "not a JSON object")
            }
            guard let text = object[textKey] as? String else {
                throw TextError.badRecord(path: path, line: number,
                                          reason: "no \"\(textKey)\" string (keys: \(object.keys.sorted().joined(separator: ", ")))")
            }
            let rawLabel: String
            switch object[labelKey] {
            case let value as String: rawLabel = value
            case let value as NSNumber:  // (true/false arrive as 1/0)
                guard value.doubleValue.isFinite else { throw TextError.emptyLabel(path: path, line: number) }
                rawLabel = value.doubleValue == value.doubleValue.rounded() && abs(value.doubleValue) < 1e15
                    ? String(value.int64Value) : value.stringValue
            default:
                throw TextError.badRecord(path: path, line: number,
                                          reason: "no \"\(labelKey)\" string or number (keys: \(object.keys.sorted().joined(separator: ", ")))")
            }
            let label = Labels.cleaned(rawLabel)
            if label.isEmpty { throw TextError.emptyLabel(path: path, line: number) }
            let body = text.trimmingWhitespace()
            if body.isEmpty { throw TextError.emptyText(path: path, line: number) }
            items.append(LabelledText(text: body, label: label, source: "\(path):\(number)", line: number))
        }
        return CorpusContents(items: items, files: 1, bytes: file.text.utf8.count, replacements: file.replacements)
    }
}
