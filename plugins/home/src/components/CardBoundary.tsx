import { Alert } from '@backstage/ui';
import { Component, ReactNode } from 'react';

/**
 * One failing card (ours or another plugin's) shows an error in its place
 * instead of taking the whole home page down.
 */
export class CardBoundary extends Component<{ name: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <Alert
          status="danger"
          title={`The "${this.props.name}" card failed`}
          description={this.state.error.message}
          data-testid="home-card-error"
        />
      );
    }
    return this.props.children;
  }
}
