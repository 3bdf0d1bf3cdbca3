import Foundation

/// Reads CSV corpora with a header row and RFC 4180 quoting (see `LabelledCorpus`).
enum CSVCorpus {
    static let textColumns = ["review", "text", "sentence", "content", "comment", "body"]
    static let labelColumns = ["sentiment", "label", "class", "polarity", "category", "target"]

    static func read(_ url: URL, options: CorpusOptions) throws -> CorpusContents {
        let file = try TextFile.read(url, lossy: options.lossy)
        let path = url.path
        let records = try parse(file.text, path: path, delimiter: options.delimiter ?? 0x2C)
        guard let header = records.first else { throw TextError.emptyCorpus(path: path) }
        let names = header.fields.map { $0.trimmingWhitespace().lowercased() }
        let textNames = options.textColumn.map { [$0.trimmingWhitespace().lowercased()] } ?? textColumns
        let labelNames = options.labelColumn.map { [$0.trimmingWhitespace().lowercased()] } ?? labelColumns
        guard let textColumn = textNames.lazy.compactMap({ names.firstIndex(of: $0) }).first else {
            throw TextError.missingColumn(path: path, header: header.fields, wanted: "text (" + textNames.joined(separator: "/") + ")")
        }
        guard let labelColumn = labelNames.lazy.compactMap({ names.firstIndex(of: $0) }).first else {
            throw TextError.missingColumn(path: path, header: header.fields, wanted: "label (" + labelNames.joined(separator: "/") + ")")
        }
        var items: [LabelledText] = []
        items.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }  // blank line
            guard record.fields.count == names.count else {
                throw TextError.fieldCount(path: path, line: record.line, expected: names.count, found: record.fields.count)
            }
            let label = Labels.cleaned(record.fields[labelColumn])
            if label.isEmpty { throw TextError.emptyLabel(path: path, line: record.line) }
            let text = record.fields[textColumn].trimmingWhitespace()
            if text.isEmpty { throw TextError.emptyText(path: path, line: record.line) }
            items.append(LabelledText(text: text, label: label, source: "\(path):\(record.line)", line: record.line))
        }
        return CorpusContents(items: items, files: 1, bytes: file.text.utf8.count, replacements: file.replacements)
    }

    struct Record {
        var fields: [String]
        /// 1-based line where the record starts.
        var line: Int
    }

    /// Splits CSV text into records (RFC 4180; LF or CRLF line ends), fields separated by `delimiter`.
    static func parse(_ text: String, path: String, delimiter: UInt8 = 0x2C) throws -> [Record] {
        var text = text
        return try text.withUTF8 { bytes -> [Record] in
            var records: [Record] = []
            var fields: [String] = []
            var field: [UInt8] = []
            var line = 1, recordLine = 1
            var i = 0
            let n = bytes.count
            func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
            func endRecord() { endField(); records.append(Record(fields: fields, line: recordLine)); fields = [] }
            while i < n {
                let b = bytes[i]
                if b == 0x22 && field.isEmpty {  // quoted field
                    let openLine = line
                    i += 1
                    var closed = false
                    while i < n {
                        let c = bytes[i]
                        if c == 0x22 {
                            if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                            closed = true
                            i += 1
                            break
                        }
                        if c == 0x0A { line += 1 }
                        field.append(c)
                        i += 1
                    }
                    if !closed { throw TextError.unterminatedQuote(path: path, line: openLine) }
                    continue
                }
                switch b {
                case delimiter: endField()
                case 0x0A:
                    if field.last == 0x0D { field.removeLast() }
                    endRecord()
                    line += 1
                    recordLine = line
                case 0x0D where i + 1 < n && bytes[i + 1] == 0x0A: break  // CR of CRLF
                default: field.append(b)
                }
                i += 1
            }
            if !field.isEmpty || !fields.isEmpty { endRecord() }
            return records
        }
    }
}
