import { BenchPage } from './index';

export function Content() {
  return <BenchPage />;
}
