import Foundation

/// A small self-contained SVG line chart of training curves (loss and accuracy per epoch or step),
/// so a person can open `curves.svg` in any browser without plotting tools.
public struct CurvesChart {
    /// One line on a panel.
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    /// One panel: a title, an x-axis label and its lines.
    public struct Panel {
        public var title: String
        public var xLabel: String
        public var series: [Series]
        public init(title: String, xLabel: String, series: [Series]) {
            self.title = title
            self.xLabel = xLabel
            self.series = series
        }
    }

    public var panels: [Panel]
    public init(panels: [Panel]) { self.panels = panels }

    /// The chart as an SVG document, panels side by side.
    public func svg() -> String {
        let panelWidth = 420.0, height = 300.0
        let width = panelWidth * Double(max(panels.count, 1))
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>

        """
        for (index, panel) in panels.enumerated() {
            out += render(panel, offsetX: Double(index) * panelWidth, width: panelWidth, height: height)
        }
        out += "</svg>\n"
        return out
    }

    private func render(_ panel: Panel, offsetX: Double, width: Double, height: Double) -> String {
        let left = offsetX + 50, right = offsetX + width - 20, top = 48.0, bottom = height - 40
        let all = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var out = "<text x=\"\(fmt(offsetX + width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">\(escape(panel.title))</text>\n"
        out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#999\"/>\n"
        out += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>\n"
        guard let minX0 = all.map(\.x).min(), let maxX0 = all.map(\.x).max(),
              let minY0 = all.map(\.y).min(), let maxY0 = all.map(\.y).max() else {
            return out + "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt((top + bottom) / 2))\" text-anchor=\"middle\">no data</text>\n"
        }
        // Axes end on round ticks; a single x (one epoch, one evaluation) sits in the middle of its axis.
        let wholeX = all.allSatisfy { $0.x == $0.x.rounded() }
        let spreadX = maxX0 > minX0 ? (minX0, maxX0) : (minX0 - (wholeX ? 1 : max(abs(minX0) * 0.1, 1)), maxX0 + (wholeX ? 1 : max(abs(maxX0) * 0.1, 1)))
        let xAxis = Self.niceAxis(spreadX.0, spreadX.1, whole: wholeX)
        let spreadY = maxY0 > minY0 ? (minY0, maxY0) : (minY0 - max(abs(minY0) * 0.05, 0.01), maxY0 + max(abs(maxY0) * 0.05, 0.01))
        let yAxis = Self.niceAxis(spreadY.0, spreadY.1, whole: false)
        let (minX, maxX, minY, maxY) = (xAxis.low, xAxis.high, yAxis.low, yAxis.high)
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - minY) / (maxY - minY) * (bottom - top) }
        for value in yAxis.ticks {
            out += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(right))\" y1=\"\(fmt(py(value)))\" y2=\"\(fmt(py(value)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(py(value) + 4))\" text-anchor=\"end\">\(Self.label(value, step: yAxis.step))</text>\n"
        }
        for value in xAxis.ticks {
            // Edge labels grow inwards so they are never cut off at the panel's border.
            let anchor = px(value) > right - 12 ? "end" : px(value) < left + 12 ? "start" : "middle"
            out += "<text x=\"\(fmt(px(value)))\" y=\"\(fmt(bottom + 14))\" text-anchor=\"\(anchor)\">\(Self.label(value, step: xAxis.step))</text>\n"
        }
        for (index, series) in panel.series.enumerated() {
            let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }
            if points.count > 1 {
                let path = points.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            }
            for point in points.count <= 60 ? points : [] {
                out += "<circle cx=\"\(fmt(px(point.x)))\" cy=\"\(fmt(py(point.y)))\" r=\"2.5\" fill=\"\(series.color)\"/>\n"
            }
            // The legend: one row between the title and the plot, off the data.
            let legendX = left + Double(index) * 110, legendY = top - 10
            out += "<line x1=\"\(fmt(legendX))\" x2=\"\(fmt(legendX + 15))\" y1=\"\(fmt(legendY - 4))\" y2=\"\(fmt(legendY - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(fmt(legendX + 20))\" y=\"\(fmt(legendY))\">\(escape(series.name))</text>\n"
        }
        return out
    }

    /// An axis over [low, high] that starts and ends on a tick: ticks 1, 2 or 5 × 10ᵏ apart, about five of
    /// them (whole numbers only when `whole`, for epochs and steps).
    static func niceAxis(_ low: Double, _ high: Double, whole: Bool) -> (low: Double, high: Double, step: Double, ticks: [Double]) {
        let raw = max((high - low) / 5, whole ? 1 : 1e-12)
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? raw
        if whole { step = max(1, step.rounded()) }
        let first = (low / step).rounded(.down) * step, last = (high / step).rounded(.up) * step
        let count = Int(((last - first) / step).rounded())
        return (first, max(last, first + step), step, (0...max(count, 1)).map { first + Double($0) * step })
    }

    /// A tick label with as many decimals as the tick step needs (0.05 → two).
    static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, min(6, Int((-log10(step)).rounded(.up))))
        let text = String(format: "%.\(decimals)f", value)
        return text == "-0" || text.hasPrefix("-0.") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String { Markup.escaped(text) }
}
