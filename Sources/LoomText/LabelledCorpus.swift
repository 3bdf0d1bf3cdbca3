import Foundation

/// One labelled text of a corpus.
public struct LabelledText: Sendable, Equatable {
    /// The text, as written (markup is left for the tokenizer to strip).
    public var text: String
    /// The canonical label (see `Labels`).
    public var label: String
    /// Where the text came from, for error messages: "file:line" or a file path.
    public var source: String
    /// The 1-based line in `source`'s file, when the file holds many texts.
    public var line: Int?

    public init(text: String, label: String, source: String, line: Int? = nil) {
        self.text = text
        self.label = label
        self.source = source
        self.line = line
    }
}

/// Which half of an aclImdb-style folder to read.
public enum CorpusSplit: String, Sendable, CaseIterable { case train, test }

/// Options for reading corpora.
public struct CorpusOptions: Sendable {
    /// For a folder with `train/` and `test/`: which one to read (default `train`).
    public var split: CorpusSplit
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    public var lossy: Bool
    /// Which labels are accepted.
    public var labels: LabelRule

    public init(split: CorpusSplit = .train, lossy: Bool = false, labels: LabelRule = .automatic) {
        self.split = split
        self.lossy = lossy
        self.labels = labels
    }
}

/// A corpus as read, with what a progress report or a `--lossy` summary needs.
public struct CorpusContents: Sendable {
    public var items: [LabelledText]
    /// Number of files read.
    public var files: Int
    /// Number of bytes read.
    public var bytes: Int
    /// Invalid UTF-8 sequences replaced with U+FFFD (only when reading lossily).
    public var replacements: Int
}

/// Reads labelled corpora in the layouts sentiment data comes in.
///
/// - A **folder** in the aclImdb layout: a root with `train/` and `test/` (the split in
///   `options.split` is read, `train` by default), or a split folder itself. Each
///   subfolder of the split is one class (`pos/`, `neg/`, or any names for multi-class);
///   `unsup/` (aclImdb's unlabelled reviews) and hidden folders are skipped; every
///   `*.txt` file is one text; files are read in name order.
/// - **.tsv**: `label<TAB>text` per line (../shared/datasets/imdb), or `text<TAB>label`
///   (UCI sentences, `sentence<TAB>0/1`); the orientation is taken from the first line
///   (label-first unless only the last field is a binary label). Blank lines are skipped.
/// - **.csv** with a header row (Kaggle's `review,sentiment`), RFC 4180 quoting: fields in
///   double quotes may hold commas, newlines and `""` for a quote. The text column is
///   the first named review/text/sentence/content/comment/body, the label column the first
///   named sentiment/label/class/polarity/category/target.
///
/// Labels follow `Labels.canonical`; `options.labels` decides which are accepted.
public enum LabelledCorpus {
    /// The labelled texts of `url` (see the type's documentation for the layouts).
    public static func read(_ url: URL, options: CorpusOptions = .init()) throws -> [LabelledText] {
        try load(url, options: options).items
    }

    /// Like `read`, also reporting files, bytes and U+FFFD replacements.
    public static func load(_ url: URL, options: CorpusOptions = .init()) throws -> CorpusContents {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw TextError.fileNotFound(path: url.path)
        }
        let contents: CorpusContents
        if isFolder.boolValue {
            contents = try FolderCorpus.read(url, options: options)
        } else {
            switch url.pathExtension.lowercased() {
            case "tsv", "tab": contents = try TSVCorpus.read(url, options: options)
            case "csv": contents = try CSVCorpus.read(url, options: options)
            default:
                // UCI's files are .txt but tab-separated: accept any file whose first line has a tab.
                let file = try TextFile.read(url, lossy: options.lossy)
                guard file.text.utf8.prefix(while: { $0 != 0x0A }).contains(0x09) else {
                    throw TextError.unsupportedFormat(path: url.path)
                }
                contents = try TSVCorpus.parse(file, path: url.path, bytes: file.text.utf8.count, options: options)
            }
        }
        if contents.items.isEmpty { throw TextError.emptyCorpus(path: url.path) }
        try options.labels.check(contents.items, path: url.path)
        return contents
    }
}
