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
        let left = offsetX + 50, right = offsetX + width - 15, top = 30.0, bottom = height - 40
        let all = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var out = "<text x=\"\(fmt(offsetX + width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">\(escape(panel.title))</text>\n"
        out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#999\"/>\n"
        out += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>\n"
        guard let minX0 = all.map(\.x).min(), let maxX0 = all.map(\.x).max(),
              let minY0 = all.map(\.y).min(), let maxY0 = all.map(\.y).max() else {
            return out + "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt((top + bottom) / 2))\" text-anchor=\"middle\">no data</text>\n"
        }
        let minX = minX0, maxX = maxX0 > minX0 ? maxX0 : minX0 + 1
        let padY = max((maxY0 - minY0) * 0.05, 1e-6)
        let minY = minY0 - padY, maxY = maxY0 + padY
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - minY) / (maxY - minY) * (bottom - top) }
        for tick in 0...4 {
            let value = minY + (maxY - minY) * Double(tick) / 4
            out += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(right))\" y1=\"\(fmt(py(value)))\" y2=\"\(fmt(py(value)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(py(value) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", value))</text>\n"
        }
        for xValue in xTicks(all.map(\.x), minX: minX, maxX: maxX) {
            out += "<text x=\"\(fmt(px(xValue)))\" y=\"\(fmt(bottom + 14))\" text-anchor=\"middle\">\(String(format: "%.6g", xValue))</text>\n"
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
            let legendY = top + 14 + Double(index) * 14
            out += "<line x1=\"\(fmt(right - 110))\" x2=\"\(fmt(right - 95))\" y1=\"\(fmt(legendY - 4))\" y2=\"\(fmt(legendY - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(fmt(right - 90))\" y=\"\(fmt(legendY))\">\(escape(series.name))</text>\n"
        }
        return out
    }

    /// Whole-number ticks when every x is whole (epochs, steps), else five even ones.
    private func xTicks(_ xs: [Double], minX: Double, maxX: Double) -> [Double] {
        guard xs.allSatisfy({ $0 == $0.rounded() }) else {
            return (0...4).map { minX + (maxX - minX) * Double($0) / 4 }
        }
        let rawStep = max(1, ((maxX - minX) / 6).rounded(.up))
        let magnitude = pow(10, floor(log10(rawStep)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rawStep } ?? rawStep
        return Array(stride(from: (minX / step).rounded(.up) * step, through: maxX, by: step))
    }

    private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String { Markup.escaped(text) }
}
