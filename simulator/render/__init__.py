"""Renderers: diagrams (:mod:`.view` decides what is drawn, :mod:`.dot` and :mod:`.mermaid` how)
and the HTML report (:mod:`.report_html`). They read specs and results, and run nothing."""
