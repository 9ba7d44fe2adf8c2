// Lets the panel import stylesheets (uPlot's, its own) the way Vite bundles them.
/// <reference types="vite/client" />
