"""The Gradio window itself: its layout, look and events, over a ChatApp."""

from __future__ import annotations

import os
from typing import Any

from .chat import STORAGE_KEY, UPLOAD_TYPES, ChatApp
from .chat_render import panel_html

LIVE_TICK_S = 5  # how often an open window asks whether the index has moved on

# System fonts only, one family for every weight: the packaged web font lacks some bold glyphs,
# which then came from a fallback face mid-word, and nothing is fetched from the internet.
FONTS = ["Liberation Sans", "Arimo", "Helvetica Neue", "Helvetica", "Arial", "DejaVu Sans", "sans-serif"]
MONO_FONTS = ["Liberation Mono", "DejaVu Sans Mono", "Menlo", "Consolas", "monospace"]

CSS = """
.na-answer p { margin: 0 0 .4em 0; }
.na-short { font-size: 1.1em; }
.na-cite { cursor: pointer; font-weight: 600; text-decoration: none; color: var(--link-text-color, #2563eb); }
.na-source { border-left: 3px solid var(--border-color-primary, #ddd); margin: .35em 0; padding: .1em .6em; }
.na-source summary { cursor: pointer; font-size: .95rem; font-weight: normal; }
.na-source summary b { font-weight: 600; }
.na-source blockquote { margin: .4em 0; font-size: .95em; }
.na-meta { color: var(--body-text-color-subdued, #666); font-size: .9em; }
.na-note { color: var(--body-text-color-subdued, #666); }
.na-card { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; padding: .5em .7em; margin: .4em 0; }
.na-card.na-cited { border-left: 4px solid var(--color-accent, #f97316); }
.na-snippet { font-size: .9em; margin-top: .3em; }
.na-flash { outline: 3px solid var(--color-accent, #f97316); transition: outline .3s; }
mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.na-cursor { opacity: .6; }
/* The chat's toolbar (copy conversation, clear) gets a row of its own above the messages
   instead of floating over the first one. */
#chat .icon-button-wrapper.top-panel { position: static; display: flex; justify-content: flex-end; margin: 4px; }
/* The rebuild's progress shows in its own line, not over the sources panel or the status. */
#rebuild-progress { min-height: 4.5rem; }
.na-story { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; margin: .4em 0; padding: .3em .6em; }
.na-story > summary { cursor: pointer; }
.na-facts { margin: .3em 0 .3em 1.2em; padding: 0; }
.na-collection { text-align: center; max-width: 34em; margin: auto; }
"""

# Clicking [n] opens that source under the answer and points at it in the panel. The chat's
# sanitiser drops data-* attributes, so the link's target travels in a class name.
HEAD = r"""<script>
document.addEventListener('click', function (event) {
  var link = event.target.closest ? event.target.closest('a.na-cite') : null;
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  var key = null;
  link.classList.forEach(function (c) { if (c.indexOf('na-to-') === 0) key = c.slice(6); });
  if (!key) return;
  var flash = function (el) { el.classList.add('na-flash'); setTimeout(function () { el.classList.remove('na-flash'); }, 1600); };
  var box = document.querySelector('details.na-src-' + key);
  if (box) { box.open = true; box.scrollIntoView({block: 'nearest'}); flash(box); }
  var card = document.querySelector('.na-card-' + key);
  if (card) { flash(card); }
}, true);
// Each message's accessible name is its text as shown, not the HTML it was made from.
(function () {
  var prefix = /^(bot|user)'s message: /;
  var fix = function () {
    document.querySelectorAll('#chat [aria-label]').forEach(function (el) {
      var label = el.getAttribute('aria-label'), match = prefix.exec(label);
      if (!match) return;
      var text = match[0] + (el.innerText || '').replace(/\s+/g, ' ').trim().slice(0, 300);
      if (label !== text) el.setAttribute('aria-label', text);
    });
  };
  new MutationObserver(fix).observe(document.documentElement,
    {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['aria-label']});
})();
</script>"""


def build(assistant, live: Any = None) -> Any:
    """The window; with a LiveIndex it also says when the index was last updated and what arrived since."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    app = ChatApp(assistant)
    with gr.Blocks(title="News assistant", analytics_enabled=False, fill_height=True) as demo:
        records = gr.BrowserState([], storage_key=STORAGE_KEY)
        gr.Markdown("## News assistant\nAsk about the news in the indexed articles. Every claim cites its source [n].")
        collection = gr.Markdown(elem_id="collection")
        if live is not None:
            freshness = gr.Markdown(elem_id="freshness")
            opened = gr.State(0)  # articles that had arrived when this page was opened
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    height="62vh",
                    latex_delimiters=[],
                    feedback_options=None,
                    show_label=False,
                    placeholder="Ask a question about the news.",
                    buttons=["copy", "copy_all"],  # no share: it has nowhere to share to from a local app
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask about the news…", show_label=False, scale=5, elem_id="question", autofocus=True
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                with gr.Row():
                    new_chat = gr.Button("New chat", size="sm", elem_id="new-chat")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    as_of = gr.Textbox(label="As of (YYYY-MM-DD): later articles are ignored", elem_id="as-of")
                    with gr.Row():
                        since = gr.Textbox(label="Since (YYYY-MM-DD)", elem_id="since", min_width=120)
                        until = gr.Textbox(label="Until (YYYY-MM-DD)", elem_id="until", min_width=120)
                    outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=[], elem_id="outlets")
                gr.Markdown("### Sources")
                panel = gr.HTML(panel_html(None), elem_id="sources")
                with gr.Accordion("Articles", open=False, elem_id="articles"):
                    files = gr.File(
                        label="Add article files", file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload"
                    )
                    rebuild = gr.Button("Rebuild index", elem_id="rebuild")
                    rebuild_progress = gr.HTML("", elem_id="rebuild-progress", padding=False)
                    status = gr.Markdown(elem_id="index-status")
                    if live is not None and live.fetch is not None:  # feeds are fetched on a schedule
                        feed_url = gr.Textbox(label="Follow a feed (RSS, Atom or JSON Feed URL)", elem_id="feed-url")
                        follow = gr.Button("Follow", elem_id="follow")
                        follow.click(app.follow, feed_url, status, api_visibility="private")

        def respond(message, stored, since_, until_, as_of_, outlets_):
            for chat, new_panel, new_records in app.respond(message, stored, since_, until_, as_of_, outlets_):
                yield (
                    chat,
                    gr.skip() if new_panel is None else new_panel,
                    gr.skip() if new_records is None else new_records,
                    "",
                )

        def restore(stored):
            chat, html = app.restore(stored)
            card, starters = app.starters()
            settings: dict[str, Any] = {"value": chat, "placeholder": card or None, "examples": starters or None}
            window = gr.Chatbot(**settings)
            return window, html, gr.Dropdown(choices=app.outlets()), app.collection()

        def start(event, stored, since_, until_, as_of_, outlets_):
            # A starter asks its question at once, as if typed and sent.
            yield from respond(event.value["text"], stored, since_, until_, as_of_, outlets_)

        # Set here, not written as a hint: with postponed annotations Gradio could not resolve the local `gr`.
        start.__annotations__["event"] = gr.SelectData

        def run_rebuild(progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
            text = app.rebuild(progress)
            return text, gr.Dropdown(choices=app.outlets()), app.idle_panel(), app.collection()

        ask_inputs = [box, records, since, until, as_of, outlets]
        ask_outputs = [chatbot, panel, records, box]
        for trigger in (box.submit, send.click):
            trigger(respond, ask_inputs, ask_outputs, api_visibility="private")
        chatbot.example_select(start, ask_inputs[1:], ask_outputs, api_visibility="private")
        new_chat.click(lambda: ([], app.idle_panel(), []), None, [chatbot, panel, records], api_visibility="private")
        # The toolbar's trash icon clears the conversation itself, as New chat does, not only the screen.
        chatbot.clear(lambda: (app.idle_panel(), []), None, [panel, records], api_visibility="private")
        files.upload(app.upload, files, status, api_visibility="private").then(
            lambda: None, None, files, api_visibility="private"
        )
        rebuild.click(
            run_rebuild,
            None,
            [status, outlets, panel, collection],
            api_visibility="private",
            show_progress_on=[rebuild_progress],
        )
        demo.load(restore, records, [chatbot, panel, outlets, collection], api_visibility="private")
        gr.api(app.api_chat, api_name="chat")
        if live is not None:

            def at_open():
                return live.arrived, live.status(live.arrived)

            def tick(at_open_count):
                return live.status(at_open_count or 0), app.collection()

            demo.load(at_open, None, [opened, freshness], api_visibility="private")
            timer = gr.Timer(LIVE_TICK_S)
            timer.tick(tick, opened, [freshness, collection], api_visibility="private", queue=False)

        gr.api(app.api_brief, api_name="brief")
    return demo
