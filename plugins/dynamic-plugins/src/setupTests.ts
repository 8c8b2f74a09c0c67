import { configure } from '@testing-library/react';

// findBy* and waitFor wait 1 s by default. The suite runs jest workers on two
// cores beside its own registries; loaded, a page of fake API answers took
// longer than that to render without anything being wrong.
configure({ asyncUtilTimeout: 10_000 });
