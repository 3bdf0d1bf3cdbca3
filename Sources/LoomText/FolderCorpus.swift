import Foundation

/// Reads aclImdb-style folders (see `LabelledCorpus`).
enum FolderCorpus {
    static func read(_ url: URL, options: CorpusOptions) throws -> CorpusContents {
        var root = url
        let top = try subfolders(of: url)
        if top.contains("train") || top.contains("test") {
            root = url.appendingPathComponent(options.split.rawValue)
            guard top.contains(options.split.rawValue) else { throw TextError.fileNotFound(path: root.path) }
        }
        let classes = try subfolders(of: root).filter { $0 != "unsup" }
        guard !classes.isEmpty else { throw TextError.noClassFolders(path: root.path) }
        var contents = CorpusContents(items: [], files: 0, bytes: 0, replacements: 0)
        for name in classes {
            let folder = root.appendingPathComponent(name)
            let label = Labels.cleaned(name)
            for file in try entries(of: folder).filter({ $0.hasSuffix(".txt") }) {
                let fileURL = folder.appendingPathComponent(file)
                let decoded = try TextFile.read(fileURL, lossy: options.lossy)
                let text = decoded.text.trimmingWhitespace()
                if text.isEmpty { throw TextError.emptyText(path: fileURL.path, line: 1) }
                contents.items.append(LabelledText(text: text, label: label, source: fileURL.path))
                contents.files += 1
                contents.bytes += decoded.text.utf8.count
                contents.replacements += decoded.replacements
            }
        }
        return contents
    }

    /// Names in `folder`, sorted by code points, hidden entries left out.
    static func entries(of folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            if !FileManager.default.fileExists(atPath: folder.path) { throw TextError.fileNotFound(path: folder.path) }
            throw TextError.unreadable(path: folder.path, reason: AtomicFile.reason(error))
        }
    }

    static func subfolders(of folder: URL) throws -> [String] {
        try entries(of: folder).filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder) && isFolder.boolValue
        }
    }
}
