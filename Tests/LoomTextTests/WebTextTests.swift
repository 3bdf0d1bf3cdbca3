@testable import LoomText
import XCTest

/// The tokenizer's web-text rules (`TokenizerOptions.webText`): HTML character references decoded with
/// the markup, emoticons and URLs kept whole.
final class WebTextTests: XCTestCase {
    func tokens(_ text: String, keepPunctuation: Bool = false, caseFold: Bool = true, webText: Bool = true,
                stripMarkup: Bool = true) throws -> [String] {
        try Tokenizer(options: TokenizerOptions(caseFold: caseFold, keepPunctuation: keepPunctuation,
                                                stripMarkup: stripMarkup, webText: webText)).tokenize(text)
    }

    func testNamedAndNumericEntitiesAreDecoded() throws {
        XCTAssertEqual(try tokens("don&#39;t &quot;Best&quot; film &amp; caf&eacute; &lt;3", keepPunctuation: true),
                       ["don't", "\"", "best", "\"", "film", "&", "café", "<3"])
        // Hexadecimal, astral, a decoded capital is case-folded like any other.
        XCTAssertEqual(try tokens("&#x1F600; &#X263A; &#65;BC"), ["😀", "☺", "abc"])
        // HTML5: 0x80–0x9F are Windows-1252 (&#146; is ’, read as '), invalid values are U+FFFD.
        XCTAssertEqual(try tokens("it&#146;s"), ["it's"])
        XCTAssertEqual(try tokens("a&#0;b &#xD800; &#1114112;", keepPunctuation: true), ["a", "\u{FFFD}", "b", "\u{FFFD}", "\u{FFFD}"])
        // &nbsp; separates words (NFKC maps U+00A0 to a space); &hellip; is three full stops after NFKC.
        XCTAssertEqual(try tokens("one&nbsp;two"), ["one", "two"])
        XCTAssertEqual(try tokens("wait&hellip;", keepPunctuation: true), ["wait", ".", ".", "."])
    }

    func testTextThatIsNotAnEntityIsLeftAlone() throws {
        XCTAssertEqual(try tokens("AT&T &amp &bogus; & ;&#; &#x; &#12a;", keepPunctuation: true),
                       ["at", "&", "t", "&", "amp", "&", "bogus", ";", "&", ";", "&", "#", ";", "&", "#", "x", ";",
                        "&", "#", "12a", ";"])
        // A decoded "<" is text, never the start of a tag.
        XCTAssertEqual(try tokens("&lt;br /&gt;ok", keepPunctuation: true), ["<", "br", "/", ">", "ok"])
        // Entities are decoded only with the markup (--keep-markup keeps both), and only in web-text mode.
        XCTAssertEqual(try tokens("a&amp;b", keepPunctuation: true, stripMarkup: false), ["a", "&", "amp", ";", "b"])
        XCTAssertEqual(try tokens("don&#39;t", webText: false), ["don", "39", "t"])
    }

    func testEmoticonsAreTokensWithOrWithoutPunctuation() throws {
        let text = "Loved it :) great:-) meh :( no :-( wink ;) ;-D =) :D :P :p :'( :/ :o <3 </3 <333 :))) ^_^ -_- >_<"
        let expected = ["loved", "it", ":)", "great", ":-)", "meh", ":(", "no", ":-(", "wink", ";)", ";-d", "=)", ":d", ":p",
                        ":p", ":'(", ":/", ":o", "<3", "</3", "<333", ":)))", "^_^", "-_-", ">_<"]
        XCTAssertEqual(try tokens(text), expected)
        XCTAssertEqual(try tokens(text, keepPunctuation: true), expected)
        XCTAssertEqual(try tokens(":D :P", caseFold: false), [":D", ":P"])
    }

    func testLookalikesAreNotEmoticons() throws {
        // Followed by a letter or digit, or the slashes of a URL, or the time of day.
        XCTAssertEqual(try tokens(":Design <3rd c:/windows 10:30 x:p2 http://", keepPunctuation: true),
                       [":", "design", "<", "3rd", "c", ":", "/", "windows", "10", ":", "30", "x", ":", "p2", "http", ":", "/", "/"])
        XCTAssertEqual(try tokens("(a; b) x=(y)"), ["a", "b", "x", "y"])
        // Without the web-text rules an emoticon is punctuation as before.
        XCTAssertEqual(try tokens("fun :) <3", webText: false), ["fun", "3"])
    }

    func testURLsAreOneTokenWithoutTrailingPunctuation() throws {
        XCTAssertEqual(try tokens("See https://www.IMDB.com/title/tt0111161/?ref=a_b&x=1. Also (www.example.org) and http://x.org/a_(b)!",
                                  keepPunctuation: true),
                       ["see", "https://www.imdb.com/title/tt0111161/?ref=a_b&x=1", ".", "also", "(", "www.example.org", ")",
                        "and", "http://x.org/a_(b)", "!"])
        XCTAssertEqual(try tokens("<a href=\"http://x.org\">http://x.org/p?a=1&amp;b=2</a>"), ["http://x.org/p?a=1&b=2"])
        // A scheme without a host, "www" alone, or a URL glued to a word: ordinary tokens.
        XCTAssertEqual(try tokens("http:// www. www xhttp://a.b"), ["http", "www", "www", "xhttp", "a.b"])
        XCTAssertEqual(try tokens("https://x.org", webText: false), ["https", "x.org"])
    }

    func testWebTextInTextThatIsNotASCII() throws {
        // Mixed text goes through ICU's break iterator; the same rules apply there.
        XCTAssertEqual(try tokens("café:) très bien <3 voir https://fr.wikipedia.org/wiki/Caf%C3%A9 ou www.café.fr 👍"),
                       ["café", ":)", "très", "bien", "<3", "voir", "https://fr.wikipedia.org/wiki/caf%c3%a9", "ou", "www.café.fr", "👍"])
        XCTAssertEqual(try tokens("été&nbsp;&eacute;t&eacute; naïve&#8217;s"), ["été", "été", "naïve's"])
    }
}
