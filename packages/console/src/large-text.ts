import { useEffect, useState } from 'react';

/** The "Large text" switch (projectors): a class on <html>, remembered in localStorage. */
export function useLargeText() {
  const [large, setLarge] = useState(() => localStorage.getItem('authmesh-console-large-text') === '1');
  useEffect(() => {
    document.documentElement.classList.toggle('large-text', large);
    localStorage.setItem('authmesh-console-large-text', large ? '1' : '0');
  }, [large]);
  return [large, setLarge] as const;
}
