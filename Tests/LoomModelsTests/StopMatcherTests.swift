import LoomModels
import XCTest

/// What `StopMatcher` hands on, character by character: nothing that could still start a stop text.
final class StopMatcherTests: XCTestCase {
    func testHoldsBackAPossibleStartThenDropsTheStop() {
        var matcher = StopMatcher(stops: ["END", "xy"])
        XCTAssertEqual(matcher.append("a"), "")        // the longest stop has 3 characters: the last 2 wait
        XCTAssertEqual(matcher.append("b"), "")
        XCTAssertEqual(matcher.append("E"), "a")
        XCTAssertEqual(matcher.append("N"), "b")
        XCTAssertEqual(matcher.append("D"), "")        // "END" completes: dropped, nothing more to send
        XCTAssertTrue(matcher.stopped)
        XCTAssertEqual(matcher.text, "ab")
        XCTAssertEqual(matcher.append("z"), "", "after a stop nothing is added")
        XCTAssertEqual(matcher.text, "ab")
    }

    func testIncludeStopAndFinishWithoutAStop() {
        var kept = StopMatcher(stops: ["\n\n"], includeStop: true)
        let sent = ["a", "\n", "b", "\n", "\n", "c"].map { kept.append($0) }.joined()
        XCTAssertEqual(sent, "a\nb\n\n")
        XCTAssertEqual(kept.text, "a\nb\n\n")
        var none = StopMatcher(stops: ["zz"])
        let streamed = ["z", "a", "z"].map { none.append($0) }.joined() + none.finish()
        XCTAssertEqual(streamed, "zaz")
        XCTAssertFalse(none.stopped)
        var empty = StopMatcher(stops: [""])
        XCTAssertEqual(empty.append("abc"), "abc", "an empty stop text is ignored and holds nothing back")
    }
}
