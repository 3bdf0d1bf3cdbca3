@testable import LoomText
import XCTest

final class TokenTableTests: XCTestCase {
    func testManyTokensLongTokensAndGrowth() throws {
        // Long tokens sharing their first 16 bytes, short ones, and enough to force rehashes.
        let tokens = (0..<5000).map { $0 % 3 == 0 ? "a_very_long_prefix_shared_\($0)" : "t\($0)" } + ["", "é", "喜欢"]
        let table = TokenTable(tokens: tokens)
        XCTAssertEqual(table.size, tokens.count)
        let vocabulary = try Vocabulary(tokens: ["<pad>", "<unk>"] + tokens.filter { !$0.isEmpty })
        let tokenizer = try Tokenizer()
        let text = "t1 a_very_long_prefix_shared_3 a_very_long_prefix_shared_6 é 喜欢 t4999 nope"
        XCTAssertEqual(vocabulary.encode(text: text, tokenizer: tokenizer), vocabulary.encode(tokenizer.tokenize(text)))
        let ids = vocabulary.tokens
        let expected = ["t1", "a_very_long_prefix_shared_3", "a_very_long_prefix_shared_6", "é", "喜欢", "t4999"].map { Int32(ids.firstIndex(of: $0)!) }
        XCTAssertEqual(expected[0], 3)
        XCTAssertEqual(vocabulary.encode(text: text, tokenizer: tokenizer), expected + [1])
    }

    func testCountsMatchSwiftCounting() throws {
        let tokenizer = try Tokenizer()
        let texts = (0..<500).map { "word\($0 % 37) common Common COMMON \(String(repeating: "x", count: $0 % 40)) 😀 é" }
        var swift = TokenCounter()
        for text in texts { swift.add(text: text, tokenizer: tokenizer) }
        XCTAssertEqual(TokenCounter.count(texts, tokenizer: tokenizer, threads: 2), swift)
    }
}
