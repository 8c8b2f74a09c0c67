import { Alert } from '@backstage/ui';
import { Component, ReactNode, Suspense } from 'react';

/** The panel shown where a dynamic plugin's content would be when it fails. */
export function PluginErrorPanel(props: { pluginName: string; error: Error }) {
  return (
    <Alert
      status="danger"
      data-testid="dynamic-plugin-error"
      data-plugin={props.pluginName}
      title={`The plugin ${props.pluginName} failed`}
      description={props.error.message.split('\n')[0]}
      style={{ margin: 16 }}
    />
  );
}

/**
 * Catches what a dynamic plugin throws while loading or rendering, so only
 * its own slot shows an error; the rest of the page keeps working.
 */
export class PluginBoundary extends Component<{ pluginName: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: Error) {
    // eslint-disable-next-line no-console
    console.error(`Dynamic plugin ${this.props.pluginName} failed: ${error.message}`);
  }

  render() {
    if (this.state.error) return <PluginErrorPanel pluginName={this.props.pluginName} error={this.state.error} />;
    return <Suspense fallback={<div data-testid="dynamic-plugin-loading" />}>{this.props.children}</Suspense>;
  }
}
