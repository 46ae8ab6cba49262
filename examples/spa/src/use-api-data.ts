import { useCallback, useEffect, useState } from 'react';
import type { ApiName } from './config.ts';
import { type Failure, useSession } from './session.tsx';

/** GETs a resource from an API when the screen shows, with the token for that API. */
export function useApiData<T>(api: ApiName, path: string) {
  const { call } = useSession();
  const [data, setData] = useState<T>();
  const [failure, setFailure] = useState<Failure>();
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    setLoading(true);
    const result = await call<T>(api, 'GET', path);
    if (result.ok) {
      setData(result.data);
      setFailure(undefined);
    } else {
      setFailure(result.failure);
    }
    setLoading(false);
  }, [api, path, call]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, setData, failure, loading, reload };
}
