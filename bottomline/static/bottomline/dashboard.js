// The region dashboard's charts and map, drawn with ECharts from the JSON the page carries (#dashboard-data):
// no inline scripts under the content security policy, and nothing loaded from elsewhere.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const drawn = [];

  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    drawn.push(chart);
    return chart;
  };

  // A bar or a slice opens the households behind its figure (the drill-through page).
  const drill = data.drill;
  const opens = (chart, items) => {
    if (!chart || !drill) return;
    chart.on("click", (p) => {
      const code = items[p.dataIndex] && items[p.dataIndex][2];
      if (code && drill.codes.includes(code)) {
        window.location.href = drill.url.replace("FIGURE", code) + (drill.query ? "?" + drill.query : "");
      }
    });
  };

  for (const chart of data.charts) {
    const names = chart.items.map((item) => item[0]);
    const values = chart.items.map((item) => item[1]);
    if (chart.kind === "pie") {
      opens(draw(chart.id, {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: chart.items.map(([name, value]) => ({ name, value })) }],
      }), chart.items);
    } else {
      opens(draw(chart.id, {
        tooltip: { trigger: "axis" },
        grid: { left: 140, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: names, inverse: true },
        series: [{ type: "bar", data: values, label: { show: true, position: "right" } }],
      }), chart.items);
    }
  }

  const trend = data.trend;
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, type: "scroll" },
    grid: { left: 50, right: 20, top: 20, bottom: 60 },
    xAxis: { type: "category", data: trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: trend.series.map((s) => ({ name: s.name, type: s.kind, data: s.values, smooth: false })),
  });

  const map = data.map;
  if (map.geo) {
    echarts.registerMap("dashboard-regions", map.geo);
    const chart = draw("chart-map", {
      animation: false, // a choropleth re-shades at once
      tooltip: { trigger: "item" },
      visualMap: {
        min: 0,
        max: 1,
        calculable: true,
        left: "left",
        bottom: 10,
        inRange: { color: ["#e7f1ff", "#0d6efd", "#052c65"] },
      },
      series: [{
        type: "map",
        map: "dashboard-regions",
        nameProperty: "code",
        roam: true,
        label: { show: true, fontSize: 10, formatter: (p) => map.names[p.name] || "" },
        data: [],
      }],
    });
    // Re-shading merges new values into the map drawn once: replacing the series rebuilt the map's view, and a
    // pointer event arriving meanwhile met it without its transform (a rare script error in echarts).
    const shade = (indicator) => {
      const items = Object.entries(map.values).map(([key, values]) => ({ name: key, value: values[indicator] }));
      const numbers = items.map((item) => item.value).filter((v) => v !== null && v !== undefined);
      chart.setOption({
        tooltip: {
          formatter: (p) => `${map.names[p.name] || p.name}<br>${map.labels[indicator]}: ${p.value ?? "—"}`,
        },
        visualMap: { max: Math.max(1, ...numbers) },
        series: [{ data: items }],
      });
    };
    shade(map.indicator);
    chart.on("click", (p) => {
      const link = map.links[p.name];
      if (link) window.location.href = link + window.location.search;
    });
    const picker = document.getElementById("map-indicator");
    if (picker) picker.addEventListener("change", () => shade(picker.value));
  }

  window.addEventListener("resize", () => drawn.forEach((chart) => chart.resize()));
})();
