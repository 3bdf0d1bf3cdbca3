import Foundation

/// Renders explanations for people: the review with each word shaded by its attribution (green for the
/// explained class, red against it), in a terminal or as a self-contained HTML page.
public enum ExplanationReport {
    /// The marker that identifies a file as a Loom report, so a later run may replace it.
    public static let htmlGenerator = "loom classify --explain"

    /// Each token's signed strength in [−1, 1]: attribution / max |attribution| over the review.
    public static func strengths(_ explanation: Explanation) -> [Float] {
        let largest = explanation.tokens.map { abs($0.attribution) }.max() ?? 0
        guard largest > 0, largest.isFinite else { return explanation.tokens.map { _ in 0 } }
        return explanation.tokens.map { $0.attribution / largest }
    }

    /// A one-line summary: verdict, target, method and (for integrated gradients) the completeness check.
    public static func summary(_ explanation: Explanation) -> String {
        let verdict = "\(explanation.prediction.label) \(String(format: "%.4f", explanation.prediction.probability))"
        var parts: [String] = []
        if explanation.target != explanation.prediction.label {
            parts.append("explaining \(explanation.target) (p=\(String(format: "%.4f", explanation.targetProbability)))")
        }
        switch explanation.method {
        case .integratedGradients:
            var method = "integrated gradients, \(explanation.steps ?? 0) steps"
            if let gap = explanation.completenessGap, let difference = explanation.logitDifference {
                let relative = difference == 0 ? 0 : 100 * gap / abs(difference)
                method += String(format: ", logit difference %.3f, completeness gap %.2g%%", difference, relative)
            }
            parts.append(method)
        case .occlusion: parts.append("occlusion: drop in p(\(explanation.target)) without each token")
        case .attention: parts.append("attention weights")
        }
        if explanation.truncatedTokens > 0 {
            parts.append("the first \(explanation.truncatedTokens) tokens were cut (the model reads the last \(explanation.tokens.count))")
        }
        return verdict + "  (" + parts.joined(separator: "; ") + ")"
    }

    /// The most positive and most negative tokens, `count` of each, as "for pos: great +1.2, …".
    public static func topTokens(_ explanation: Explanation, count: Int = 8) -> [String] {
        func list(_ tokens: [AttributedToken]) -> String {
            tokens.map { "\($0.token) \(String(format: "%+.3g", $0.attribution))" }.joined(separator: ", ")
        }
        let sorted = explanation.tokens.sorted { $0.attribution > $1.attribution }
        let positive = sorted.prefix { $0.attribution > 0 }.prefix(count)
        let negative = sorted.reversed().prefix { $0.attribution < 0 }.prefix(count)
        var lines: [String] = []
        if !positive.isEmpty { lines.append("for \(explanation.target): " + list(Array(positive))) }
        if !negative.isEmpty { lines.append("against \(explanation.target): " + list(Array(negative))) }
        return lines
    }

    /// The review's text with tokens shaded, ANSI 256-colour backgrounds: five shades each of green and red
    /// by strength (weaker than 0.1 is left plain). Text between tokens is printed as it is.
    public static func terminal(text: String, explanation: Explanation) -> String {
        let greens = [22, 28, 34, 40, 46], reds = [52, 88, 124, 160, 196]
        return shaded(text: text, explanation: explanation, escape: escapeControls) { piece, strength in
            let level = min(4, Int(abs(strength) * 5))
            guard abs(strength) >= 0.1 else { return piece }
            let colour = strength > 0 ? greens[level] : reds[level]
            let foreground = level >= 2 ? "97" : "37"
            return "\u{1B}[\(foreground);48;5;\(colour)m\(piece)\u{1B}[0m"
        }
    }

    /// A self-contained HTML page (inline CSS, no scripts) for one or more explained reviews; each token's
    /// tooltip gives its attribution.
    public static func html(_ reviews: [(text: String, explanation: Explanation)], modelName: String) -> String {
        var body = ""
        for (index, review) in reviews.enumerated() {
            let explanation = review.explanation
            let marked = shaded(text: review.text, explanation: explanation, escape: Markup.escaped) { piece, strength in
                let alpha = String(format: "%.2f", min(1, abs(strength)) * 0.85)
                let colour = strength >= 0 ? "0,150,60" : "210,40,40"
                return "<span class=\"t\" style=\"background:rgba(\(colour),\(alpha))\">\(piece)</span>"
            }
            body += """
            <section>
            <h2>Review \(index + 1): \(Markup.escaped(explanation.prediction.label)) \(String(format: "%.4f", explanation.prediction.probability))</h2>
            <p class="summary">\(Markup.escaped(summary(explanation)))</p>
            <p class="review">\(marked)</p>
            <ul>\(topTokens(explanation).map { "<li>\(Markup.escaped($0))</li>" }.joined())</ul>
            </section>

            """
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="generator" content="\(htmlGenerator)">
        <title>Loom explanation: \(Markup.escaped(modelName))</title>
        <style>
        body { font: 16px/1.6 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-bottom: .2rem; }
        .summary { color: #555; font-size: .9rem; margin-top: 0; }
        .review { white-space: pre-wrap; border-left: 3px solid #ccc; padding-left: 1rem; }
        .t { border-radius: 3px; padding: 0 1px; }
        .legend span { padding: 0 .4rem; border-radius: 3px; }
        ul { font-size: .9rem; color: #444; }
        </style>
        </head>
        <body>
        <h1>Why the model (\(Markup.escaped(modelName))) said what it said</h1>
        <p class="legend"><span style="background:rgba(0,150,60,.6)">for the explained class</span> <span style="background:rgba(210,40,40,.6)">against it</span> — the stronger the shade, the larger the token's attribution.</p>
        \(body)</body>
        </html>

        """
    }

    /// Walks `text`, wrapping each traced token's characters with `mark(piece, strength)`; untraced tokens
    /// and the text between tokens pass through `escape` only.
    static func shaded(text: String, explanation: Explanation, escape: (String) -> String,
                       mark: (String, Float) -> String) -> String {
        let scalars = Array(text.unicodeScalars)
        func piece(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
        var output = "", cursor = 0
        for (token, strength) in zip(explanation.tokens, strengths(explanation)) {
            guard let start = token.start, let end = token.end, start >= cursor, end <= scalars.count, start < end
            else { continue }
            output += escape(piece(cursor..<start))
            output += mark(escape(piece(start..<end)), strength)
            cursor = end
        }
        output += escape(piece(cursor..<scalars.count))
        return output
    }

    /// `text` with terminal control characters (ESC and the other C0/C1 controls but tab and line feed)
    /// shown as U+FFFD, so a review cannot drive the terminal.
    static func escapeControls(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let control = (value < 0x20 && value != 0x09 && value != 0x0A) || (value >= 0x7F && value < 0xA0)
            view.append(control ? "\u{FFFD}" : scalar)
        }
        return String(view)
    }
}
