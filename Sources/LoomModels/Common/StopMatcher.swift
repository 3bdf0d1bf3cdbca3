/// Ends a generation at stop texts (`loom sample --stop`, the server's `"stop"`), and says which part of the
/// output is final: a character is handed on only once it can no longer be the start of a stop text, so a
/// stream never shows a stop text that is then taken back.
///
/// Matching is on characters (grapheme clusters), as the character models generate them.
public struct StopMatcher: Sendable {
    private let stops: [[Character]]
    private let longest: Int
    /// Keep the stop text in the output (`--include-stop`).
    public let includeStop: Bool
    private var characters: [Character] = []
    private var sent = 0
    /// Whether the output has come to end with a stop text.
    public private(set) var stopped = false

    /// Empty stop texts are ignored.
    public init(stops: [String], includeStop: Bool = false) {
        self.stops = stops.filter { !$0.isEmpty }.map(Array.init)
        longest = self.stops.map(\.count).max() ?? 0
        self.includeStop = includeStop
    }

    /// Whether there is any stop text to look for.
    public var isActive: Bool { longest > 0 }

    /// The output so far (after a stop: up to the stop text, or through it with `includeStop`).
    public var text: String { String(characters) }

    /// Adds a generated piece; returns the text that became final. Once `stopped`, further pieces are ignored.
    public mutating func append(_ piece: String) -> String {
        guard !stopped else { return "" }
        for character in piece {
            characters.append(character)
            if let stop = stops.first(where: { characters.count >= $0.count && characters.suffix($0.count).elementsEqual($0) }) {
                stopped = true
                if !includeStop { characters.removeLast(stop.count) }
                return take(upTo: characters.count)
            }
        }
        // Hold back what could still become the start of a stop text.
        return take(upTo: characters.count - max(longest - 1, 0))
    }

    /// The text still held back, once the generation ends without a stop.
    public mutating func finish() -> String {
        take(upTo: characters.count)
    }

    private mutating func take(upTo end: Int) -> String {
        guard end > sent else { return "" }
        defer { sent = end }
        return String(characters[sent..<end])
    }
}
