import { render } from 'preact';

render(<main>PixelLab Side Panel</main>, document.getElementById('app')!);
