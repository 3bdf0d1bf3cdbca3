import Foundation

/// Reads tab-separated labelled corpora (see `LabelledCorpus`).
enum TSVCorpus {
    static func read(_ url: URL, options: CorpusOptions) throws -> CorpusContents {
        let file = try TextFile.read(url, lossy: options.lossy)
        return try parse(file, path: url.path, bytes: file.text.utf8.count, options: options)
    }

    static func parse(_ file: TextFile.Contents, path: String, bytes: Int, options: CorpusOptions) throws -> CorpusContents {
        var items: [LabelledText] = []
        var labelFirst: Bool?
        try Lines.forEach(file.text) { number, line in
            guard line.contains(where: { $0 > 0x20 }) else { return }  // blank line
            guard let firstTab = line.firstIndex(of: 0x09), let lastTab = line.lastIndex(of: 0x09) else {
                throw TextError.missingTab(path: path, line: number)
            }
            let head = String(decoding: UnsafeBufferPointer(rebasing: line[..<firstTab]), as: UTF8.self)
            let tail = String(decoding: UnsafeBufferPointer(rebasing: line[(lastTab + 1)...]), as: UTF8.self)
            if labelFirst == nil {
                labelFirst = Labels.isBinary(Labels.canonical(head)) || !Labels.isBinary(Labels.canonical(tail))
            }
            let rawLabel: String, text: String
            if labelFirst! {
                rawLabel = head
                text = String(decoding: UnsafeBufferPointer(rebasing: line[(firstTab + 1)...]), as: UTF8.self)
            } else {
                rawLabel = tail
                text = String(decoding: UnsafeBufferPointer(rebasing: line[..<lastTab]), as: UTF8.self)
            }
            let label = Labels.cleaned(rawLabel)
            if label.isEmpty { throw TextError.emptyLabel(path: path, line: number) }
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { throw TextError.emptyText(path: path, line: number) }
            items.append(LabelledText(text: trimmed, label: label, source: "\(path):\(number)", line: number))
        }
        return CorpusContents(items: items, files: 1, bytes: bytes, replacements: file.replacements)
    }
}
