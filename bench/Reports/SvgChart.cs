using System.Globalization;
using System.Security;
using System.Text;
using RawFrames.Bench.Scenarios;

namespace RawFrames.Bench.Reports;

/// <summary>
/// The comparison table as a picture: per content, one bar per format for frames/s and one stacked bar for CPU per
/// frame (sender and receiver), RawFrames in blue shades and the HTTP baselines in grey.
/// </summary>
public static class SvgChart
{
    private const int LabelWidth = 270;
    private const int BarWidth = 300;
    private const int Gap = 40;
    private const int RowHeight = 22;
    private const int Width = LabelWidth + BarWidth + Gap + BarWidth + 130;

    public static string Render(IReadOnlyList<ScenarioResult> results)
    {
        var panels = results.Where(r => r.Group == ScenarioSuite.TableGroup).GroupBy(r => r.Content).ToList();
        int height = 20 + panels.Sum(p => 70 + (p.Count() * RowHeight));
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>");
        int y = 20;
        foreach (IGrouping<string, ScenarioResult> panel in panels)
        {
            double maxFps = Math.Max(1, panel.Max(r => r.Fps));
            double maxCpu = Math.Max(0.1, panel.Max(r => Finite(r.SenderCpuMs) + Finite(r.ReceiverCpuMs)));
            Text(svg, 10, y + 4, ScenarioReport.Describe(panel.Key), bold: true);
            Text(svg, LabelWidth, y + 24, "frames/s (higher is better)");
            Text(svg, LabelWidth + BarWidth + Gap, y + 24, "CPU ms per frame: sender + receiver (lower is better)");
            y += 36;
            foreach (ScenarioResult r in panel)
            {
                bool ours = r.Format.StartsWith("RawFrames", StringComparison.Ordinal);
                Text(svg, 10, y + 15, r.Format);
                double fpsWidth = BarWidth * r.Fps / maxFps;
                Bar(svg, LabelWidth, y + 4, fpsWidth, ours ? "#2b6cb0" : "#8a8a8a");
                Text(svg, LabelWidth + fpsWidth + 4, y + 15, r.Fps.ToString("0", CultureInfo.InvariantCulture));
                double x = LabelWidth + BarWidth + Gap;
                double sender = BarWidth * Finite(r.SenderCpuMs) / maxCpu;
                double receiver = BarWidth * Finite(r.ReceiverCpuMs) / maxCpu;
                Bar(svg, x, y + 4, sender, ours ? "#3182ce" : "#a0a0a0");
                Bar(svg, x + sender, y + 4, receiver, ours ? "#90cdf4" : "#cfcfcf");
                Text(svg, x + sender + receiver + 4, y + 15,
                    string.Create(CultureInfo.InvariantCulture, $"{Finite(r.SenderCpuMs):0.0} + {Finite(r.ReceiverCpuMs):0.0}"));
                y += RowHeight;
            }

            y += 34;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static void Bar(StringBuilder svg, double x, double y, double width, string colour) =>
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{Math.Max(0, width):0.#}\" height=\"{RowHeight - 6}\" fill=\"{colour}\"/>");

    private static void Text(StringBuilder svg, double x, double y, string text, bool bold = false) =>
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"<text x=\"{x:0.#}\" y=\"{y:0.#}\"{(bold ? " font-weight=\"bold\"" : "")}>{SecurityElement.Escape(text)}</text>");
}
