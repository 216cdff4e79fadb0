// The browser half of widgets.offline.LiveChart: draw a Vega-Lite spec with vega-embed and,
// when a new spec differs from the drawn one only in its data, swap the data into the
// existing Vega view instead of compiling and drawing the chart again. A filter change then
// costs a data update (a few ms) rather than a new chart (tens of ms).
//
// vegaEmbed is provided by vl-convert's javascript_bundle (no CDN: the bundle is inlined).

function shapeOf(spec) {
    // Everything but the data: two specs with the same shape draw the same chart.
    const { datasets, ...rest } = spec;
    return JSON.stringify(rest);
}

async function render({ model, el }) {
    let drawn = null; // { view, finalize, shape, names }
    let queue = Promise.resolve();

    const clear = () => {
        if (drawn) {
            drawn.finalize();
            drawn = null;
        }
        while (el.firstChild) {
            el.removeChild(el.lastChild);
        }
    };

    // Benchmark-only: with the kernel's timing probe on (model "timing" set), each drawing is
    // noted in window.__wbChartTimings: when its spec arrived, how it was drawn, and in how long.
    const note = (arrived, how) => {
        const timing = model.get("timing");
        if (timing == null) return;
        const host = el.closest("[class*='wb-']");
        (window.__wbChartTimings ??= []).push({
            classes: host ? host.className : "",
            arrived,
            drawn: performance.now(),
            how,
            ...timing,
        });
    };

    const draw = async (arrived) => {
        const spec = model.get("spec");
        if (spec == null) {
            clear();
            return;
        }
        const shape = shapeOf(spec);
        const names = Object.keys(spec.datasets ?? {}).sort().join("\n");
        if (drawn && drawn.shape === shape && drawn.names === names) {
            // Emptied first: Vega keeps the groups of an ordinal scale (bars "in data order") in
            // the order first drawn while any rows remain, so new rows would keep the old order.
            for (const name of Object.keys(spec.datasets ?? {})) {
                drawn.view.data(name, []);
            }
            await drawn.view.runAsync();
            for (const [name, values] of Object.entries(spec.datasets ?? {})) {
                drawn.view.data(name, structuredClone(values));
            }
            await drawn.view.runAsync();
            note(arrived, "swap");
            el.dispatchEvent(new CustomEvent("wb-chart-drawn", { bubbles: true }));
            return;
        }
        const options = structuredClone(model.get("embed_options") ?? {});
        let api;
        try {
            api = await vegaEmbed(el, structuredClone(spec), options);
        } catch (error) {
            clear();
            const message = document.createElement("p");
            message.setAttribute("role", "alert");
            message.textContent = "This chart could not be drawn: " + error.message;
            el.appendChild(message);
            return;
        }
        if (drawn) {
            drawn.finalize();
        }
        drawn = { view: api.view, finalize: api.finalize, shape, names };
        note(arrived, "embed");
        el.dispatchEvent(new CustomEvent("wb-chart-drawn", { bubbles: true }));
    };

    // Updates are drawn one after another, in the order they arrive.
    const enqueue = () => {
        const arrived = performance.now();
        queue = queue.then(() => draw(arrived), () => draw(arrived));
        return queue;
    };
    model.on("change:spec", enqueue);
    await enqueue();
    return () => {
        model.off("change:spec", enqueue);
        clear();
    };
}

export default { render };
