// The in-browser IDE: GraphiQL from the gateway's own assets (no CDN). The page carries
// its settings (endpoint, example tabs, default headers) as JSON.
(function start() {
  const config = JSON.parse(document.getElementById('ide-config').textContent);
  const fetcher = GraphiQL.createFetcher({ url: config.url });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultTabs: config.tabs,
      // The first tab opens with its own query and variables.
      query: config.tabs[0].query,
      variables: config.tabs[0].variables,
      defaultHeaders: config.headers,
      headers: config.headers,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
