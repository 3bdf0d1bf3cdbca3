import Foundation

/// Texts for building vocabularies, from labelled or plain corpora.
///
/// A `.txt` file that is not tab-separated is plain text: each non-blank line is one
/// text. Folders, `.tsv` and `.csv` files are read with `LabelledCorpus` and their labels
/// ignored (`LabelRule.any`).
public enum TextCorpus {
    /// The texts of `url`, with the counts `LabelledCorpus.load` reports.
    public static func load(_ url: URL, options: CorpusOptions = .init()) throws -> (texts: [String], files: Int, bytes: Int, replacements: Int) {
        var options = options
        options.labels = .any
        let isPlain = url.pathExtension.lowercased() == "txt" || url.pathExtension.isEmpty
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue && isPlain {
            let file = try TextFile.read(url, lossy: options.lossy)
            let firstLine = file.text.utf8.prefix(while: { $0 != 0x0A })
            if !firstLine.contains(0x09) {
                var texts: [String] = []
                Lines.forEach(file.text) { _, bytes in
                    if bytes.contains(where: { $0 > 0x20 }) { texts.append(String(decoding: bytes, as: UTF8.self)) }
                }
                if texts.isEmpty { throw TextError.emptyCorpus(path: url.path) }
                return (texts, 1, file.text.utf8.count, file.replacements)
            }
        }
        let contents = try LabelledCorpus.load(url, options: options)
        return (contents.items.map(\.text), contents.files, contents.bytes, contents.replacements)
    }

    /// The texts of `url`.
    public static func read(_ url: URL, options: CorpusOptions = .init()) throws -> [String] {
        try load(url, options: options).texts
    }
}
